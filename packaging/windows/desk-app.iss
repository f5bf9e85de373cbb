; Inno Setup 6 script of the Windows installer of Desk App.
;
; It packs the PyInstaller folder that `python scripts/build_bundle.py` makes (dist\desk-app\:
; desk-app.exe, DeskApp.exe, _internal\, LICENSE.txt, THIRD-PARTY-LICENSES.txt) into one Setup program,
; dist\installer\DeskApp-Setup-<version>.exe. From the repository root:
;
;   iscc /DAppVersion=0.1.0 packaging\windows\desk-app.iss
;
; Defines (all optional, ISCC /D<name>=<value>):
;   AppVersion                 the version shown and put in the file name; default below. CI passes
;                              the [project] version of pyproject.toml.
;   DistDir                    the build script's --dist folder, relative to the repository root or
;                              absolute; default "dist". The Setup program goes to DistDir\installer.
;   ChineseSimplifiedFallback  a ChineseSimplified.isl to use when this Inno Setup has none in its
;                              own Languages folder (see [Languages] below).
;   ChineseSimplifiedIsl       a ChineseSimplified.isl to use whatever the compiler has.
;
; Needs Inno Setup 6.3 or later (x64compatible; UTF-8 licence file without a BOM).

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef DistDir
  #define DistDir "dist"
#endif

#define AppName "Desk App"
#define AppExeName "DeskApp.exe"
; This script is packaging\windows\desk-app.iss: the repository root is two folders up (named
; without "..", which extended-length paths do not resolve).
#define RepoRoot ExtractFileDir(ExtractFileDir(RemoveBackslashUnlessRoot(SourcePath)))

; Simplified Chinese messages. Inno Setup 6 does NOT ship ChineseSimplified.isl: in every 6.x
; release (6.7.3 was the last checked) it is an unofficial, user-contributed translation, kept in
; the Inno Setup source repository under Files\Languages\Unofficial\ and linked from
; https://jrsoftware.org/files/istrans/ (maintained at
; https://github.com/kira-96/Inno-Setup-Chinese-Simplified-Translation). It became an official
; translation, installed in the compiler's Languages folder, only with Inno Setup 7.0.2.
; So: the copy in the compiler's Languages folder is used when there is one (Inno Setup 7.0.2+, or
; a copy put there by hand, as the translation's own instructions say); otherwise the file named by
; /DChineseSimplifiedFallback=... (the CI workflow downloads a pinned copy and checks its SHA-256);
; otherwise compilation stops with the error below.
#ifndef ChineseSimplifiedIsl
  #if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
    #define ChineseSimplifiedIsl "compiler:Languages\ChineseSimplified.isl"
  #elif Defined(ChineseSimplifiedFallback)
    #define ChineseSimplifiedIsl ChineseSimplifiedFallback
  #else
    #error ChineseSimplified.isl is not in this Inno Setup's Languages folder (Inno Setup 6 does not ship it). Copy Files/Languages/Unofficial/ChineseSimplified.isl of github.com/jrsoftware/issrc there, or pass /DChineseSimplifiedFallback=<path to it>.
  #endif
#endif

[Setup]
; AppId identifies the installation for upgrades and the uninstaller (Apps & features key
; "{AppId}_is1"). Never change it. The doubled "{{" is how Inno Setup writes a literal "{".
AppId={{DA0CB4E3-9F6F-40DA-A582-5DAC2F05CCAE}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Desk App authors
AppCopyright=Copyright (c) 2026 the Desk App authors
SourceDir={#RepoRoot}
OutputDir={#DistDir}\installer
OutputBaseFilename=DeskApp-Setup-{#AppVersion}
LicenseFile=LICENSE.txt

; Per-user installation without administrator rights by default ({autopf} is then
; %LOCALAPPDATA%\Programs); the dialog lets an administrator install for all users instead
; ({autopf} is then C:\Program Files).
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DefaultDirName={autopf}\{#AppName}
; No Start-menu folder page: the one shortcut goes straight into the Start menu's Programs.
DisableProgramGroupPage=yes

; The bundle's executables are x64 only (Windows 11 on Arm runs them under x64 emulation).
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Windows 10 1809 or later: the oldest Windows that Qt 6 supports.
MinVersion=10.0.17763

UninstallDisplayIcon={app}\{#AppExeName}
; the Setup program's own icon: the app's (scripts/make_icons.py)
SetupIconFile={#RepoRoot}\packaging\icons\desk-app.ico
UninstallDisplayName={#AppName}
WizardStyle=modern
; Compression stays at its default, lzma2/max; one solid archive compresses the many small files better.
SolidCompression=yes
; Setup offers to close a running Desk App (Windows Restart Manager) before replacing its files.
CloseApplications=yes

[Languages]
; The first entry is the fallback when Windows' language is neither English nor Chinese.
Name: "english"; MessagesFile: "compiler:Default.isl"
Name: "chinesesimplified"; MessagesFile: "{#ChineseSimplifiedIsl}"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole folder as build_bundle.py left it (LICENSE.txt and THIRD-PARTY-LICENSES.txt included).
Source: "{#DistDir}\desk-app\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"; WorkingDir: "{app}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; The uninstaller removes only what this Setup installed ({app} and the shortcuts). It must never
; remove the user data folder, %LOCALAPPDATA%\desk-app (platformdirs' user data folder: the shop
; file, its automatic backups, the demo shop, the erasure ledger), nor the shop's key in Windows
; Credential Manager: a shop that uninstalls to reinstall or upgrade keeps its data. That is why this script has no
; [UninstallDelete] or [UninstallRun] section and no [Code] that touches either. Keep it so.
