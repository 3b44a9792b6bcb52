#Requires -Version 5.1
<#
.SYNOPSIS
    Builds, tests, documents, analyzes and packages the RingOut module.
.DESCRIPTION
    Runs on PowerShell 7 and on Windows PowerShell 5.1. Each task fails loudly (a terminating error and a non-zero
    exit code). Missing tools (Pester 5, Microsoft.PowerShell.PlatyPS, PSScriptAnalyzer) are installed for the
    current user from the PowerShell Gallery at the pinned versions below.

    Help: the markdown in docs/RingOut is the source, in PlatyPS v1 form (schema 2.0.0, the platyPS 0.14 dialect,
    so `New-ExternalHelp` also reads it). The committed MAML is what tools/RingOut.HelpGen generates from it, with
    syntax and parameter metadata from the built cmdlets; it runs without PowerShell, fails on any drift between the
    markdown and the cmdlets, and the test suite checks that en-US/ is current.

    Tasks:
      Build    dotnet build: compiles and stages the module in out/RingOut/<version>/
      Test     dotnet test (the xunit suites, the CI gate), then Invoke-Pester on tests/*.Tests.ps1 in a child process
      Docs     regenerates en-US/ (MAML and about_ topics) from the PlatyPS markdown in docs/RingOut with tools/RingOut.HelpGen
      Analyze  PSScriptAnalyzer over every .ps1/.psd1 in the repository
      Package  a PowerShell Gallery-ready .nupkg of the staged module in out/packages/
      Clean    removes out/ and every bin/ and obj/
.EXAMPLE
    ./build.ps1 -Task Build, Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Docs', 'Analyze', 'Package', 'Clean')]
    [string[]] $Task = @('Build', 'Test'),
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$Root = $PSScriptRoot
$Pinned = @{
    'Pester'                          = '5.7.1'
    'PSScriptAnalyzer'                = '1.24.0'
}

function Get-ModuleVersion {
    $props = [xml](Get-Content (Join-Path $Root 'Directory.Build.props') -Raw)
    foreach ($group in $props.Project.PropertyGroup) {
        if ($group.PSObject.Properties['Version'] -and $group.Version) { return $group.Version }
    }
    throw 'Directory.Build.props names no Version.'
}

function Get-ModuleFolder { Join-Path $Root "out/RingOut/$(Get-ModuleVersion)" }

function Invoke-Native([string] $Command, [string[]] $Arguments) {
    Write-Host "> $Command $($Arguments -join ' ')"
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Command exited with code $LASTEXITCODE." }
}

function Use-Tool([string] $Name) {
    $version = $Pinned[$Name]
    $found = Get-Module -ListAvailable -Name $Name | Where-Object { $_.Version -eq [version] $version }
    if (-not $found) {
        Write-Host "Installing $Name $version from the PowerShell Gallery for the current user."
        Install-Module -Name $Name -RequiredVersion $version -Scope CurrentUser -Force -AllowClobber -SkipPublisherCheck -Repository PSGallery
    }
    Import-Module -Name $Name -RequiredVersion $version -Force
}

function Invoke-RingOutBuild {
    Invoke-Native 'dotnet' @('build', (Join-Path $Root 'RingOut.PowerShell.sln'), '--configuration', $Configuration)
    if (-not (Test-Path (Join-Path (Get-ModuleFolder) 'RingOut.psd1'))) { throw "The build did not stage the module in $(Get-ModuleFolder)." }
}

function Invoke-RingOutTest {
    Invoke-Native 'dotnet' @('test', (Join-Path $Root 'RingOut.PowerShell.sln'), '--configuration', $Configuration)
    Use-Tool 'Pester'
    # Pester runs in a child process of the same PowerShell, so the module is never locked or stale in this one.
    $exe = (Get-Process -Id $PID).Path
    $manifest = Join-Path (Get-ModuleFolder) 'RingOut.psd1'
    $results = Join-Path $Root 'out/pester.xml'
    $script = @"
`$ErrorActionPreference = 'Stop'
`$env:RINGOUT_MODULE = '$manifest'
Import-Module Pester -RequiredVersion $($Pinned['Pester'])
`$c = New-PesterConfiguration
`$c.Run.Path = '$(Join-Path $Root 'tests')'
`$c.Run.Exit = `$true
`$c.Output.Verbosity = 'Detailed'
`$c.TestResult.Enabled = `$true
`$c.TestResult.OutputPath = '$results'
Invoke-Pester -Configuration `$c
"@
    & $exe -NoProfile -NonInteractive -Command $script
    if ($LASTEXITCODE -ne 0) { throw "Pester reported failures (exit code $LASTEXITCODE); see $results." }
}

function Invoke-RingOutDocs {
    Invoke-Native 'dotnet' @('run', '--project', (Join-Path $Root 'tools/RingOut.HelpGen'), '--configuration', $Configuration)
    Invoke-RingOutBuild # stage the new help in the module folder
    Write-Host 'Help regenerated in en-US/. Commit it; the test suite checks that it is current.'
}

function Invoke-RingOutAnalyze {
    Use-Tool 'PSScriptAnalyzer'
    $files = Get-ChildItem $Root -Recurse -Include '*.ps1', '*.psd1' |
        Where-Object { $_.FullName -notmatch '[\\/](bin|obj|out)[\\/]' }
    $findings = $files | ForEach-Object { Invoke-ScriptAnalyzer -Path $_.FullName -Severity Warning, Error }
    $findings | Format-Table -AutoSize | Out-String | Write-Host
    if ($findings) { throw "PSScriptAnalyzer found $(@($findings).Count) problems." }
}

function Invoke-RingOutPackage {
    Invoke-RingOutBuild
    $packages = Join-Path $Root 'out/packages'
    New-Item -ItemType Directory -Force -Path $packages | Out-Null
    $repository = 'RingOutLocal'
    if (Get-PSRepository -Name $repository -ErrorAction SilentlyContinue) { Unregister-PSRepository -Name $repository }
    # Publish-Module wants a folder named after the module.
    $staging = Join-Path $Root 'out/package/RingOut'
    Remove-Item $staging -Recurse -Force -ErrorAction SilentlyContinue
    New-Item -ItemType Directory -Force -Path $staging | Out-Null
    Copy-Item (Join-Path (Get-ModuleFolder) '*') $staging -Recurse
    Register-PSRepository -Name $repository -SourceLocation $packages -PublishLocation $packages -InstallationPolicy Trusted
    try {
        Publish-Module -Path $staging -Repository $repository -NuGetApiKey 'local'
    }
    finally {
        Unregister-PSRepository -Name $repository
    }
    Get-ChildItem $packages -Filter '*.nupkg' | ForEach-Object { Write-Host "Package: $($_.FullName)" }
}

function Invoke-RingOutClean {
    Remove-Item (Join-Path $Root 'out') -Recurse -Force -ErrorAction SilentlyContinue
    Get-ChildItem $Root -Recurse -Directory -Include 'bin', 'obj' | Remove-Item -Recurse -Force
}

foreach ($name in $Task) {
    Write-Host "== $name"
    & "Invoke-RingOut$name"
}
