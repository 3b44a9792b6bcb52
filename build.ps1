#Requires -Version 5.1
<#
.SYNOPSIS
    Builds, tests, documents, analyzes and packages the RingOut module.
.DESCRIPTION
    Runs on PowerShell 7 and on Windows PowerShell 5.1. Each task fails loudly (a terminating error and a non-zero
    exit code). A tool is used as installed when its version is at least the pinned one below; only when none is
    installed is it installed for the current user from the PowerShell Gallery (with PSResourceGet), and where the
    Gallery cannot be reached the task fails saying so.

    Tasks:
      Build    dotnet build: compiles and stages the module in out/RingOut/<version>/
      Test     dotnet test: every xunit suite, and the Pester suite (tests/*.Tests.ps1) in this same PowerShell
      Docs     PlatyPS: checks docs/RingOut/*.md (Test-MarkdownCommandHelp) and makes en-US/ from it (MAML with
               Export-MamlCommandHelp, then Repair-Maml: example code into the code element, related links by
               name, default values from the markdown; the about_ topics, which PlatyPS 1.0 does not convert, as
               plain text wrapped to 80 columns). The output depends only on docs/RingOut/*.md and the PlatyPS
               version (1.0.3 made the committed en-US/): after merging help pages, run ./build.ps1 -Task Build, Docs
               and commit en-US/; never edit en-US/ by hand.
               With -Check it changes nothing and fails when en-US/ is not what PlatyPS makes, or when the markdown
               does not match the built cmdlets (Update-MarkdownCommandHelp would change it).
      Analyze  PSScriptAnalyzer over every .ps1/.psd1, with PSScriptAnalyzerSettings.psd1
      Package  a PowerShell Gallery package (.nupkg) of the staged module in out/packages/ (Compress-PSResource)
      Clean    removes out/ and every bin/ and obj/
.EXAMPLE
    ./build.ps1 -Task Build, Test
.EXAMPLE
    ./build.ps1 -Task Build, Docs, Package
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Docs', 'Analyze', 'Package', 'Clean')]
    [string[]] $Task = @('Build', 'Test'),
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',
    # Test: a dotnet test --filter expression, to run part of the suites.
    [string] $TestFilter,
    # Docs: check instead of writing.
    [switch] $Check
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$Root = $PSScriptRoot
$Minimum = @{
    'Pester'                             = '5.5.0'
    'PSScriptAnalyzer'                   = '1.24.0'
    'Microsoft.PowerShell.PlatyPS'       = '1.0.0'
    'Microsoft.PowerShell.PSResourceGet' = '1.0.0'
}

function Write-Step([string] $Message) { Write-Information -MessageData $Message -InformationAction Continue }

function Get-ModuleVersion {
    $props = [xml](Get-Content (Join-Path $Root 'Directory.Build.props') -Raw)
    foreach ($group in $props.Project.PropertyGroup) {
        if ($group.PSObject.Properties['Version'] -and $group.Version) { return $group.Version }
    }
    throw 'Directory.Build.props names no Version.'
}

function Get-ModuleFolder { Join-Path $Root "out/RingOut/$(Get-ModuleVersion)" }

function Invoke-Native([string] $Command, [string[]] $Arguments) {
    Write-Step "> $Command $($Arguments -join ' ')"
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Command exited with code $LASTEXITCODE." }
}

function Import-Tool([string] $Name) {
    $minimum = [version] $Minimum[$Name]
    $found = Get-Module -ListAvailable -Name $Name | Where-Object { $_.Version -ge $minimum } | Sort-Object Version -Descending | Select-Object -First 1
    if (-not $found) {
        Write-Step "$Name $minimum or later is not installed; installing it for the current user from the PowerShell Gallery."
        if (-not (Get-Command Install-PSResource -ErrorAction SilentlyContinue)) {
            throw "$Name $minimum or later is needed, and PSResourceGet (Install-PSResource) is not here to install it. Install $Name, or use PowerShell 7.4 or later."
        }
        try {
            Install-PSResource -Name $Name -Version "[$minimum,)" -Scope CurrentUser -Repository PSGallery -TrustRepository -Reinstall
        }
        catch {
            throw "$Name $minimum or later is needed and could not be installed from the PowerShell Gallery ($($_.Exception.Message)). Install it by hand, or run where the Gallery can be reached."
        }
        $found = Get-Module -ListAvailable -Name $Name | Where-Object { $_.Version -ge $minimum } | Sort-Object Version -Descending | Select-Object -First 1
    }
    Import-Module $found.Path -Force
}

function Get-AboutText([string] $Markdown) {
    # The about_ layout Get-Help reads: TOPIC, SHORT DESCRIPTION, LONG DESCRIPTION; sub-headings in capitals,
    # paragraphs wrapped at word boundaries to fit an 80-column console, fenced code indented as it is (each line
    # must fit: the help test reads every line at 80 columns). PlatyPS 1.0 converts command help only, so this one
    # step is ours.
    $lines = $Markdown -split "`r?`n"
    $name = ($lines | Where-Object { $_ -match '^# ' } | Select-Object -First 1) -replace '^# ', ''
    $text = [System.Text.StringBuilder]::new()
    $section = $null; $inCode = $false; $short = @(); $paragraph = @()
    $flush = {
        if ($paragraph) { [void] $text.Append((Format-Paragraph ($paragraph -join ' ') '    ')) }
        $paragraph = @() # dot-sourced: the function's own variable
    }
    foreach ($line in $lines | Select-Object -Skip 1) {
        if ($line -match '^## (.+)$') { . $flush; $section = $Matches[1]; continue }
        if ($section -eq 'SHORT DESCRIPTION') { if ($line.Trim()) { $short += $line.Trim() }; continue }
        if ($section -ne 'LONG DESCRIPTION') { continue }
        if ($line -match '^```') { . $flush; $inCode = -not $inCode; continue }
        if ($inCode) { [void] $text.Append('      ').Append($line).Append("`n"); continue }
        if ($line -match '^### (.+)$') { . $flush; [void] $text.Append("`n  ").Append($Matches[1].ToUpperInvariant()).Append("`n"); continue }
        if ($line.Trim()) { $paragraph += ($line.Trim() -replace '`', '') } else { . $flush; [void] $text.Append("`n") }
    }
    . $flush
    "TOPIC`n    $name`n`nSHORT DESCRIPTION`n" + (Format-Paragraph ($short -join ' ') '    ') + "`nLONG DESCRIPTION`n" + ($text.ToString().TrimEnd() -replace "`n{3,}", "`n`n") + "`n"
}

function Format-Paragraph([string] $Text, [string] $Indent, [int] $Width = 80) {
    # One paragraph, broken between words into lines of at most $Width columns, each line indented.
    $out = [System.Text.StringBuilder]::new(); $line = ''
    foreach ($word in $Text -split '\s+' | Where-Object { $_ }) {
        if ($line -and ($Indent.Length + $line.Length + 1 + $word.Length) -gt $Width) { [void] $out.Append($Indent).Append($line).Append("`n"); $line = $word }
        elseif ($line) { $line += ' ' + $word }
        else { $line = $word }
    }
    if ($line) { [void] $out.Append($Indent).Append($line).Append("`n") }
    $out.ToString()
}

function Repair-Maml([string] $Path, $Pages) {
    # What PlatyPS 1.0.3's Export-MamlCommandHelp leaves for Get-Help to show wrong, set right in the MAML it wrote:
    # an example's fenced code sits in its introduction (Get-Help prints the fences; the code element is empty),
    # with a U+0080 paragraph; a related link's uri is its markdown file (Get-Help prints "X X.md"); no
    # parameter has a default value (Get-Help prints "Default value" blank), the markdown's DefaultValue fills it;
    # and a nullable type is printed as .NET names it (System.Nullable`1[...]).
    $maml = [xml] [System.IO.File]::ReadAllText($Path)
    $ns = [System.Xml.XmlNamespaceManager]::new($maml.NameTable)
    $ns.AddNamespace('command', 'http://schemas.microsoft.com/maml/dev/command/2004/10')
    $ns.AddNamespace('maml', 'http://schemas.microsoft.com/maml/2004/10')
    $ns.AddNamespace('dev', 'http://schemas.microsoft.com/maml/dev/2004/10')
    $defaults = @{}
    foreach ($page in $Pages) {
        $help = Import-MarkdownCommandHelp -Path $page.FullName
        foreach ($p in $help.Parameters) { $defaults["$($help.Title) $($p.Name)"] = "$($p.DefaultValue)" }
    }
    foreach ($command in $maml.SelectNodes('//command:command', $ns)) {
        $name = $command.SelectSingleNode('command:details/command:name', $ns).InnerText
        foreach ($example in $command.SelectNodes('command:examples/command:example', $ns)) {
            $introduction = $example.SelectSingleNode('maml:introduction', $ns)
            $code = $example.SelectSingleNode('dev:code', $ns)
            $remarks = $example.SelectSingleNode('dev:remarks', $ns)
            foreach ($para in @($introduction.SelectNodes('maml:para', $ns))) {
                $value = $para.InnerText
                [void] $introduction.RemoveChild($para)
                if ($value -match '^```[a-z]*\r?\n([\s\S]*?)\r?\n?```\s*$') { $code.InnerText = $Matches[1].TrimEnd(); continue }
                if (-not $value.Trim([char] 0x80).Trim()) { continue }
                $moved = $maml.CreateElement('maml', 'para', $ns.LookupNamespace('maml'))
                $moved.InnerText = $value
                [void] $remarks.AppendChild($moved)
            }
            # An empty last paragraph: the blank line Get-Help otherwise leaves out before the next example.
            [void] $remarks.AppendChild($maml.CreateElement('maml', 'para', $ns.LookupNamespace('maml')))
        }
        foreach ($link in $command.SelectNodes('command:relatedLinks/maml:navigationLink/maml:uri', $ns)) {
            if ($link.InnerText -notmatch '^https?://') { $link.InnerText = '' }
        }
        foreach ($parameter in $command.SelectNodes('command:parameters/command:parameter', $ns)) {
            $value = $defaults["$name $($parameter.SelectSingleNode('maml:name', $ns).InnerText)"]
            if (-not $value) { $value = 'None' }
            $default = $maml.CreateElement('dev', 'defaultValue', $ns.LookupNamespace('dev'))
            $default.InnerText = $value
            [void] $parameter.AppendChild($default)
        }
    }
    # A nullable parameter's type reads as its value's type (Get-Help printed <System.Nullable`1[System.DateTimeOffset]>).
    foreach ($text in $maml.SelectNodes('//text()')) {
        if ($text.Value -match 'System\.Nullable`1\[') { $text.Value = $text.Value -replace 'System\.Nullable`1\[([^\]]+)\]', '$1' }
    }
    $settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; IndentChars = '  '; NewLineChars = "`n"; Encoding = [System.Text.UTF8Encoding]::new($false) }
    $writer = [System.Xml.XmlWriter]::Create($Path, $settings)
    try { $maml.Save($writer) } finally { $writer.Dispose() }
}

function Get-HelpShape($Help) {
    # What must agree between a command's markdown and the command itself, one line each.
    foreach ($p in $Help.Parameters) {
        foreach ($set in $p.ParameterSets) {
            '{0} {1} aliases={2} [{3}] position={4} required={5} pipeline={6} byname={7}' -f $p.Name, $p.Type, (@($p.Aliases | Sort-Object) -join ','),
                $set.Name, $set.Position, $set.IsRequired, $set.ValueFromPipeline, $set.ValueFromPipelineByPropertyName
        }
    }
    foreach ($syntax in $Help.Syntax) {
        'syntax [{0}] default={1}: {2}' -f $syntax.ParameterSetName, $syntax.IsDefaultParameterSet, (@($syntax.SyntaxParameters | ForEach-Object { "$_" }) -join ' ')
    }
}

function Compare-Folder([string] $Expected, [string] $Actual) {
    $differences = @()
    foreach ($file in Get-ChildItem $Expected -File) {
        $other = Join-Path $Actual $file.Name
        if (-not (Test-Path $other)) { $differences += "$($file.Name) is missing"; continue }
        if ((Get-Content $file.FullName -Raw) -ne (Get-Content $other -Raw)) { $differences += "$($file.Name) differs" }
    }
    $differences
}

function Invoke-BuildTask {
    param([string] $Configuration)
    Invoke-Native 'dotnet' @('build', (Join-Path $Root 'RingOut.PowerShell.sln'), '--configuration', $Configuration)
    if (-not (Test-Path (Join-Path (Get-ModuleFolder) 'RingOut.psd1'))) { throw "The build did not stage the module in $(Get-ModuleFolder)." }
}

function Invoke-TestTask {
    param([string] $Configuration, [string] $TestFilter)
    # The test command of the README: the xunit suites, and (found through RINGOUT_PWSH) the Pester suite in this PowerShell.
    $env:RINGOUT_PWSH = (Get-Process -Id $PID).Path
    $arguments = @('test', (Join-Path $Root 'RingOut.PowerShell.sln'), '--configuration', $Configuration)
    if ($TestFilter) { $arguments += @('--filter', $TestFilter) }
    Invoke-Native 'dotnet' $arguments
    $summary = Join-Path $Root 'out/pester/summary.txt'
    if (Test-Path $summary) { Write-Step (Get-Content $summary -Raw) }
}

function Invoke-DocsTask {
    param([switch] $Check)
    Import-Tool 'Microsoft.PowerShell.PlatyPS'
    $docs = Join-Path $Root 'docs/RingOut'
    $pages = Get-ChildItem $docs -Filter '*.md' | Where-Object Name -NotLike 'about_*'
    $invalid = $pages | Where-Object { -not (Test-MarkdownCommandHelp -Path $_.FullName) }
    if ($invalid) { throw "Test-MarkdownCommandHelp refuses: $($invalid.Name -join ', ')" }

    $made = Join-Path ([System.IO.Path]::GetTempPath()) "ringout-help-$PID"
    Remove-Item $made -Recurse -Force -ErrorAction SilentlyContinue
    $pages.FullName | Import-MarkdownCommandHelp | Export-MamlCommandHelp -OutputFolder $made -Force | Out-Null
    $maml = Join-Path $made 'en-US'
    New-Item -ItemType Directory -Force -Path $maml | Out-Null
    Move-Item (Join-Path $made 'RingOut/*') $maml -Force
    Repair-Maml (Join-Path $maml 'RingOut.PowerShell.dll-Help.xml') $pages
    foreach ($about in Get-ChildItem $docs -Filter 'about_*.md') {
        $name = [System.IO.Path]::GetFileNameWithoutExtension($about.Name)
        [System.IO.File]::WriteAllText((Join-Path $maml "$name.help.txt"), (Get-AboutText (Get-Content $about.FullName -Raw)))
    }

    $committed = Join-Path $Root 'en-US'
    if ($Check) {
        $stale = @(Compare-Folder $maml $committed) + @(Compare-Folder $committed $maml | Where-Object { $_ -like '*missing' })
        # The markdown matches the built cmdlets when PlatyPS reads the same parameters, types, positions,
        # pipeline binding, parameter sets and syntax from both. (Update-MarkdownCommandHelp is no reference:
        # in PlatyPS 1.0.3 a second update of an updated page repeats descriptions.)
        Import-Module (Join-Path (Get-ModuleFolder) 'RingOut.psd1') -Force
        Set-StrictMode -Off # in this scope only: New-CommandHelp reads help objects that lack properties StrictMode insists on
        foreach ($page in $pages) {
            $fromMarkdown = Import-MarkdownCommandHelp -Path $page.FullName
            $fromCmdlet = New-CommandHelp (Get-Command $fromMarkdown.Title)
            $drift = Compare-Object @(Get-HelpShape $fromCmdlet) @(Get-HelpShape $fromMarkdown)
            if ($drift) { $stale += "docs/RingOut/$($page.Name) does not match the cmdlet: " + (($drift | ForEach-Object { "$($_.SideIndicator -replace '<=', 'cmdlet has' -replace '=>', 'markdown has') $($_.InputObject)" }) -join '; ') }
        }
        Remove-Item $made -Recurse -Force
        if ($stale) { throw "The help is not what PlatyPS makes: $($stale -join '; '). Run ./build.ps1 -Task Build, Docs and commit en-US/." }
        Write-Step 'en-US/ is what PlatyPS makes from docs/RingOut, and the markdown matches the cmdlets.'
        return
    }
    Copy-Item (Join-Path $maml '*') $committed -Force
    Remove-Item $made -Recurse -Force
    Write-Step 'Help made in en-US/ by PlatyPS. Commit it; ./build.ps1 -Task Docs -Check (run by the tests) checks it.'
}

function Invoke-AnalyzeTask {
    Import-Tool 'PSScriptAnalyzer'
    $settings = Join-Path $Root 'PSScriptAnalyzerSettings.psd1'
    $files = Get-ChildItem $Root -Recurse -Include '*.ps1', '*.psd1' |
        Where-Object { $_.FullName -notmatch '[\\/](bin|obj|out|node_modules)[\\/]' -and $_.Name -ne 'PSScriptAnalyzerSettings.psd1' }
    $findings = @($files | ForEach-Object { Invoke-ScriptAnalyzer -Path $_.FullName -Settings $settings })
    if ($findings) {
        Write-Step ($findings | Format-Table RuleName, Severity, ScriptName, Line, Message -AutoSize -Wrap | Out-String -Width 200)
        throw "PSScriptAnalyzer found $($findings.Count) problems."
    }
    Write-Step "PSScriptAnalyzer: $($files.Count) files, no findings."
}

function Invoke-PackageTask {
    Import-Tool 'Microsoft.PowerShell.PSResourceGet'
    $module = Get-ModuleFolder
    if (-not (Test-Path (Join-Path $module 'RingOut.psd1'))) { throw "No staged module in ${module}: run ./build.ps1 -Task Build, Package." }
    # Compress-PSResource wants a folder named after the module.
    $staging = Join-Path $Root 'out/package/RingOut'
    Remove-Item (Split-Path $staging) -Recurse -Force -ErrorAction SilentlyContinue
    New-Item -ItemType Directory -Force -Path $staging | Out-Null
    Copy-Item (Join-Path $module '*') $staging -Recurse
    $packages = Join-Path $Root 'out/packages'
    New-Item -ItemType Directory -Force -Path $packages | Out-Null
    Get-ChildItem $packages -Filter 'RingOut.*.nupkg' | Remove-Item
    Compress-PSResource -Path $staging -DestinationPath $packages
    $package = Get-ChildItem $packages -Filter 'RingOut.*.nupkg' | Select-Object -First 1
    if (-not $package) { throw "Compress-PSResource wrote no package to $packages." }
    Write-Step "Package: $($package.FullName)"
}

function Invoke-CleanTask {
    Remove-Item (Join-Path $Root 'out') -Recurse -Force -ErrorAction SilentlyContinue
    Get-ChildItem $Root -Recurse -Directory -Include 'bin', 'obj' | Remove-Item -Recurse -Force
}

foreach ($name in $Task) {
    Write-Step "== $name"
    switch ($name) {
        'Build' { Invoke-BuildTask -Configuration $Configuration }
        'Test' { Invoke-TestTask -Configuration $Configuration -TestFilter $TestFilter }
        'Docs' { Invoke-DocsTask -Check:$Check }
        'Analyze' { Invoke-AnalyzeTask }
        'Package' { Invoke-PackageTask }
        'Clean' { Invoke-CleanTask }
    }
}
