; Kassa installer for Windows (NSIS 3, Modern UI 2).
; Built by scripts/build-windows.sh:
;   makensis -DVERSION=0.1.0 -DEXE=path\kassa.exe -DOUTFILE=kassa-setup.exe -DASSETS=path kassa.nsi
; Installs kassa.exe for all users under Program Files, a Start-menu folder
; (Kassa, Kassa demo mode, Uninstall) and an uninstaller registered in
; "Apps & features". The uninstaller keeps the payment journal and settings
; (%APPDATA%\kassa): they are the merchant's records.

Unicode true
SetCompressor /SOLID lzma

!ifndef VERSION
  !error "pass -DVERSION=x.y.z"
!endif
!ifndef EXE
  !error "pass -DEXE=path to kassa.exe"
!endif
!ifndef OUTFILE
  !define OUTFILE "kassa-${VERSION}-windows-amd64-setup.exe"
!endif
!ifndef ASSETS
  !define ASSETS "..\..\assets"
!endif

!include "MUI2.nsh"
!include "x64.nsh"

!define APPNAME "Kassa"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Kassa"

Name "${APPNAME} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APPNAME}"
InstallDirRegKey HKLM "Software\${APPNAME}" "InstallDir"
RequestExecutionLevel admin
BrandingText "${APPNAME} ${VERSION}"

VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${APPNAME}"
VIAddVersionKey "FileDescription" "${APPNAME} installer"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "CompanyName" "${APPNAME}"
VIAddVersionKey "LegalCopyright" "Kassa authors"

!define MUI_ICON "${ASSETS}\icon\kassa.ico"
!define MUI_UNICON "${ASSETS}\icon\kassa.ico"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\kassa.exe"
!define MUI_FINISHPAGE_RUN_PARAMETERS "--demo"
!define MUI_FINISHPAGE_RUN_TEXT "Start Kassa in demo mode (no real payments)"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_LANGUAGE "Russian"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "Kassa needs 64-bit Windows."
    Abort
  ${EndIf}
  SetRegView 64
FunctionEnd

Function un.onInit
  SetRegView 64
FunctionEnd

Section "Kassa" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  File "/oname=kassa.exe" "${EXE}"
  File "/oname=kassa.ico" "${ASSETS}\icon\kassa.ico"
  File "/oname=LICENSE-DejaVu.txt" "${ASSETS}\fonts\LICENSE-DejaVu.txt"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  SetShellVarContext all
  CreateDirectory "$SMPROGRAMS\${APPNAME}"
  CreateShortcut "$SMPROGRAMS\${APPNAME}\Kassa.lnk" "$INSTDIR\kassa.exe" "" "$INSTDIR\kassa.ico"
  CreateShortcut "$SMPROGRAMS\${APPNAME}\Kassa (demo mode).lnk" "$INSTDIR\kassa.exe" "--demo" "$INSTDIR\kassa.ico"
  CreateShortcut "$SMPROGRAMS\${APPNAME}\Uninstall Kassa.lnk" "$INSTDIR\uninstall.exe"

  WriteRegStr HKLM "Software\${APPNAME}" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayName" "${APPNAME}"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTKEY}" "Publisher" "${APPNAME}"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\kassa.ico"
  WriteRegStr HKLM "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  SetShellVarContext all
  Delete "$SMPROGRAMS\${APPNAME}\Kassa.lnk"
  Delete "$SMPROGRAMS\${APPNAME}\Kassa (demo mode).lnk"
  Delete "$SMPROGRAMS\${APPNAME}\Uninstall Kassa.lnk"
  RMDir "$SMPROGRAMS\${APPNAME}"
  Delete "$INSTDIR\kassa.exe"
  Delete "$INSTDIR\kassa.ico"
  Delete "$INSTDIR\LICENSE-DejaVu.txt"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTKEY}"
  DeleteRegKey HKLM "Software\${APPNAME}"
SectionEnd
