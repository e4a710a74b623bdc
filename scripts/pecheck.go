//go:build ignore

// Pecheck checks that a file is the real Kassa Windows executable:
//
//	go run scripts/pecheck.go dist/windows-amd64/kassa.exe
//
// A valid PE32+ image for amd64, a GUI-subsystem program (no console window),
// linked against OpenGL (Fyne's GLFW driver, so a cgo build and not a pure-Go
// stand-in), with a resource section (icon, manifest, version) and Kassa's
// own packages inside. Exits 1 and says what is wrong otherwise.
package main

import (
	"bytes"
	"debug/pe"
	"fmt"
	"os"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run scripts/pecheck.go FILE.exe")
		os.Exit(2)
	}
	if err := check(os.Args[1]); err != nil {
		fmt.Fprintf(os.Stderr, "pecheck: %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func check(path string) error {
	f, err := pe.Open(path)
	if err != nil {
		return fmt.Errorf("not a PE file: %w", err)
	}
	defer f.Close()
	if f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
		return fmt.Errorf("machine %#x, want amd64", f.Machine)
	}
	oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	if !ok {
		return fmt.Errorf("not PE32+ (64-bit)")
	}
	if oh.Subsystem != pe.IMAGE_SUBSYSTEM_WINDOWS_GUI {
		return fmt.Errorf("subsystem %d, want Windows GUI (%d): build with -H windowsgui", oh.Subsystem, pe.IMAGE_SUBSYSTEM_WINDOWS_GUI)
	}
	// debug/pe's ImportedLibraries is a stub; the symbols name their DLLs.
	syms, err := f.ImportedSymbols()
	if err != nil {
		return fmt.Errorf("reading imports: %w", err)
	}
	libs := dlls(syms)
	if !hasLib(libs, "opengl32.dll") {
		return fmt.Errorf("does not import opengl32.dll (imports %v): not the cgo Fyne build", libs)
	}
	if f.Section(".rsrc") == nil {
		return fmt.Errorf("no .rsrc section: icon, manifest and version resources missing")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for _, pkg := range []string{"kassa/pos/cli", "kassa/pos/receipt", "fyne.io/fyne/v2", "Kassa point of sale"} {
		needle := []byte(pkg)
		if pkg == "Kassa point of sale" { // version resource strings are UTF-16LE
			needle = utf16le(pkg)
		}
		if !bytes.Contains(data, needle) {
			return fmt.Errorf("%q not found in the executable", pkg)
		}
	}
	fmt.Printf("pecheck: %s: PE32+ amd64 GUI, %d bytes, imports %s, resources present, Kassa and Fyne inside\n",
		path, len(data), strings.Join(libs, " "))
	return nil
}

// dlls lists the DLLs of "symbol:dll" import names, each once.
func dlls(syms []string) []string {
	var out []string
	for _, s := range syms {
		_, dll, ok := strings.Cut(s, ":")
		if ok && !hasLib(out, dll) {
			out = append(out, strings.ToLower(dll))
		}
	}
	return out
}

func hasLib(libs []string, name string) bool {
	for _, l := range libs {
		if strings.EqualFold(l, name) {
			return true
		}
	}
	return false
}

func utf16le(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), 0)
	}
	return b
}
