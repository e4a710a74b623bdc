package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// kassaTheme is Fyne's default theme (light or dark, following the OS) with
// a calmer primary colour, slightly larger text and Kassa's status colours.
type kassaTheme struct{}

var _ fyne.Theme = kassaTheme{}

// Kassa's own colour names, resolved through the theme so they adapt to the
// light and dark variants.
const (
	colorApproved fyne.ThemeColorName = "kassaApproved"
	colorDeclined fyne.ThemeColorName = "kassaDeclined"
	colorUnknown  fyne.ThemeColorName = "kassaUnknown"
	colorDemo     fyne.ThemeColorName = "kassaDemo"
	colorCard     fyne.ThemeColorName = "kassaCard"
	colorOnStatus fyne.ThemeColorName = "kassaOnStatus" // text on a status colour
	colorMuted    fyne.ThemeColorName = "kassaMuted"
)

func (kassaTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	dark := v != theme.VariantLight
	switch n {
	case colorApproved, theme.ColorNameSuccess:
		if dark {
			return color.NRGBA{0x2e, 0xa0, 0x43, 0xff}
		}
		return color.NRGBA{0x1b, 0x7f, 0x37, 0xff}
	case colorDeclined, theme.ColorNameError:
		if dark {
			return color.NRGBA{0xe0, 0x4f, 0x4f, 0xff}
		}
		return color.NRGBA{0xc6, 0x28, 0x28, 0xff}
	case colorUnknown, theme.ColorNameWarning:
		return color.NRGBA{0xf2, 0xa9, 0x00, 0xff}
	case colorDemo:
		return color.NRGBA{0xe8, 0x6a, 0x10, 0xff}
	case colorOnStatus, theme.ColorNameForegroundOnSuccess, theme.ColorNameForegroundOnError,
		theme.ColorNameForegroundOnPrimary:
		return color.White
	case theme.ColorNameForegroundOnWarning:
		return color.NRGBA{0x20, 0x20, 0x20, 0xff}
	case colorCard:
		if dark {
			return color.NRGBA{0x2a, 0x2d, 0x33, 0xff}
		}
		return color.NRGBA{0xf3, 0xf5, 0xf8, 0xff}
	case colorMuted:
		if dark {
			return color.NRGBA{0xa0, 0xa6, 0xb0, 0xff}
		}
		return color.NRGBA{0x5f, 0x66, 0x70, 0xff}
	case theme.ColorNamePrimary:
		if dark {
			return color.NRGBA{0x3d, 0x8b, 0xfd, 0xff}
		}
		return color.NRGBA{0x1d, 0x5f, 0xd1, 0xff}
	case theme.ColorNameButton:
		if dark {
			return color.NRGBA{0x34, 0x38, 0x40, 0xff}
		}
		return color.NRGBA{0xe6, 0xea, 0xf0, 0xff}
	case theme.ColorNameFocus:
		return color.NRGBA{0x3d, 0x8b, 0xfd, 0x60}
	}
	return theme.DefaultTheme().Color(n, v)
}

func (kassaTheme) Font(s fyne.TextStyle) fyne.Resource     { return theme.DefaultTheme().Font(s) }
func (kassaTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

func (kassaTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 15
	case theme.SizeNameHeadingText:
		return 26
	case theme.SizeNameSubHeadingText:
		return 19
	case theme.SizeNameInputRadius, theme.SizeNameSelectionRadius:
		return 6
	}
	return theme.DefaultTheme().Size(n)
}
