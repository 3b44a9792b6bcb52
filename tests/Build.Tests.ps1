#Requires -Version 7.0
# build.ps1, every task, in the real pwsh that runs this suite (the xunit suite starts it: PesterSuiteTests).
# Tagged BuildScript: the scratch copy's own test run leaves these out, so that it does not start another.

BeforeAll {
    $script:Root = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
    $script:Pwsh = (Get-Process -Id $PID).Path
    $script:Module = $env:RINGOUT_MODULE

    # Runs build.ps1 in a child pwsh, as a user would, and gives its exit code and output.
    function Invoke-Build([string] $Folder, [string[]] $Arguments, [hashtable] $Environment = @{}) {
        $saved = @{}
        foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
        try {
            # -Command, as a scheduled task or CI would call it: -File cannot pass a list such as -Task Build, Test.
            $command = "& '$(Join-Path $Folder 'build.ps1')' $($Arguments -join ' ')"
            $output = & $script:Pwsh -NoProfile -NonInteractive -Command $command 2>&1 | Out-String
            [pscustomobject]@{ Code = $LASTEXITCODE; Output = $output }
        }
        finally {
            foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
        }
    }
}

Describe 'build.ps1' -Tag 'BuildScript' {
    It 'Analyze: PSScriptAnalyzer finds nothing in any .ps1 or .psd1' {
        $r = Invoke-Build -Folder $Root -Arguments @('-Task', 'Analyze')
        $r.Output | Should -Match 'no findings'
        $r.Code | Should -Be 0 -Because $r.Output
    }

    It 'Docs -Check: en-US/ is what PlatyPS makes from docs/, and the markdown matches the cmdlets' {
        $r = Invoke-Build -Folder $Root -Arguments @('-Task', 'Docs', '-Check')
        $r.Code | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match 'is what PlatyPS makes'
    }

    It 'Package: the .nupkg installs by name into an empty module path and places a call' {
        $r = Invoke-Build -Folder $Root -Arguments @('-Task', 'Package')
        $r.Code | Should -Be 0 -Because $r.Output
        $packages = Join-Path $Root 'out/packages'
        Get-ChildItem $packages -Filter 'RingOut.*.nupkg' | Should -HaveCount 1

        # A fresh pwsh with a home of its own: its CurrentUser module path and PSResourceGet's settings start empty.
        $home2 = Join-Path ([IO.Path]::GetTempPath()) "ringout-install-$PID"
        Remove-Item $home2 -Recurse -Force -ErrorAction SilentlyContinue
        # The folders must exist: where they do not, .NET reports no data folder and PSResourceGet writes to the current one.
        foreach ($d in '.local/share', '.config', '.cache') { New-Item -ItemType Directory -Force -Path (Join-Path $home2 $d) | Out-Null }
        $script = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name RingOutLocal -Uri '$packages' -Trusted
Install-PSResource -Name RingOut -Repository RingOutLocal -Scope CurrentUser -TrustRepository
Import-Module RingOut
(Get-Module RingOut).ModuleBase
Connect-RingCentral -Environment Emulator -VirtualTime
(New-RingOutCall -To '+1 415 555 0123' | Wait-RingOutCall -Until Ended).State
"@
        $saved = $env:HOME, $env:XDG_DATA_HOME, $env:XDG_CONFIG_HOME, $env:XDG_CACHE_HOME, $env:PSModulePath
        try {
            $env:HOME = $home2; $env:XDG_DATA_HOME = "$home2/.local/share"; $env:XDG_CONFIG_HOME = "$home2/.config"; $env:XDG_CACHE_HOME = "$home2/.cache"
            $env:PSModulePath = $null
            Push-Location $home2
            try { $out = & $Pwsh -NoProfile -NonInteractive -Command $script 2>&1 | Out-String } finally { Pop-Location }
            $code = $LASTEXITCODE
        }
        finally {
            $env:HOME, $env:XDG_DATA_HOME, $env:XDG_CONFIG_HOME, $env:XDG_CACHE_HOME, $env:PSModulePath = $saved
        }
        $code | Should -Be 0 -Because $out
        $out | Should -Match ([regex]::Escape($home2))
        $out.Trim() | Should -Match 'Ended$'
        Remove-Item $home2 -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'Build, Test and Clean run in a clean copy of the repository' {
        $copy = Join-Path ([IO.Path]::GetTempPath()) "ringout-build-$PID"
        Remove-Item $copy -Recurse -Force -ErrorAction SilentlyContinue
        # The files git knows (committed or not, not ignored): what a fresh clone with this change would hold.
        $files = git -C $Root ls-files --cached --others --exclude-standard | Where-Object { Test-Path (Join-Path $Root $_) -PathType Leaf }
        foreach ($f in $files) {
            $target = Join-Path $copy $f
            New-Item -ItemType Directory -Force -Path (Split-Path $target) | Out-Null
            Copy-Item (Join-Path $Root $f) $target
        }
        $r = Invoke-Build -Folder $copy -Arguments @('-Task', 'Build, Test, Clean', '-TestFilter', "'FullyQualifiedName~ModuleTests|FullyQualifiedName~PesterSuiteTests'") -Environment @{ RINGOUT_NESTED_BUILD = '1' }
        $r.Code | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match 'RingOut module staged in'
        $r.Output | Should -Match 'Passed!'
        $r.Output | Should -Match 'Pester: \d+ passed, 0 failed'
        Test-Path (Join-Path $copy 'out') | Should -BeFalse
        @(Get-ChildItem $copy -Recurse -Directory -Include 'bin', 'obj') | Should -HaveCount 0
        Remove-Item $copy -Recurse -Force -ErrorAction SilentlyContinue
    }
}

Describe 'dotnet test RingOut.PowerShell.sln' {
    It 'ends with one loud line naming the tests that did not run and what each needs' {
        # The tests that skip list themselves in out/not-run.txt; the solution's last target reads a list (here a scratch one).
        $list = Join-Path ([IO.Path]::GetTempPath()) "ringout-not-run-$PID.txt"
        $pwshNeeds = 'a pwsh (install PowerShell 7, or set RINGOUT_PWSH to one, and run again)'
        Set-Content -LiteralPath $list -Value @(
            "The Pester suite (tests/*.Tests.ps1)|$pwshNeeds|The_Pester_suite_passes_in_a_real_pwsh"
            "The console test|$pwshNeeds|In_an_80_column_console"
            "The console test|$pwshNeeds|Hanging_up_many_calls"
            "The console test|$pwshNeeds|Hanging_up_many_calls"
            "The OpenAPI conformance test|RingCentral's spec in ../shared/reference/ringcentral-openapi/ (see its SOURCE.md)|Conformance")
        try {
            $out = & dotnet msbuild (Join-Path $Root 'RingOut.PowerShell.sln') -t:RingOutNotRun "-p:RingOutNotRunList=$list" -nologo 2>&1 | Out-String
            $LASTEXITCODE | Should -Be 0 -Because $out
            $lines = @($out -split "`r?`n" | Where-Object { $_ -match 'NOT RUN' })
            $lines | Should -HaveCount 1 -Because $out
            $lines[0] | Should -Match 'warning RINGOUT0001: NOT RUN: 4 test\(s\) were skipped'
            $lines[0] | Should -Match ([regex]::Escape("3 for want of $pwshNeeds"))
            $lines[0] | Should -Match ([regex]::Escape("1 for want of RingCentral's spec"))

            # Nothing skipped: no line.
            Set-Content -LiteralPath $list -Value @()
            $out = & dotnet msbuild (Join-Path $Root 'RingOut.PowerShell.sln') -t:RingOutNotRun "-p:RingOutNotRunList=$list" -nologo 2>&1 | Out-String
            $out | Should -Not -Match 'NOT RUN'
        }
        finally { Remove-Item -LiteralPath $list -ErrorAction Ignore }
    }
}

Describe 'dotnet run --project samples/RingOut.Demo' {
    It 'says that it is building before the build' {
        # The first thing `dotnet run` does is restore; the line comes before it, on the console, at the default verbosity.
        $out = & dotnet restore (Join-Path $Root 'samples/RingOut.Demo') -nologo 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0 -Because $out
        ($out -split "`r?`n" | Where-Object { $_ })[0..1] -join "`n" | Should -Match 'RingOut demo: building the module and the demo'
    }
}
