// Package assets holds the files Kassa embeds in its binary: the receipt
// fonts and the application icon.
package assets

import _ "embed"

// FontMono is DejaVu Sans Mono (regular), a free TrueType font with Latin,
// Cyrillic and box-drawing glyphs; see fonts/LICENSE-DejaVu.txt.
//
//go:embed fonts/DejaVuSansMono.ttf
var FontMono []byte

// FontMonoBold is DejaVu Sans Mono Bold; see fonts/LICENSE-DejaVu.txt.
//
//go:embed fonts/DejaVuSansMono-Bold.ttf
var FontMonoBold []byte

// Icon is Kassa's application icon, 512×512 PNG (source: icon/kassa.svg);
// the GUI sets it as the window icon.
//
//go:embed icon/kassa.png
var Icon []byte
