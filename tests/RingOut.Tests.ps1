#Requires -Version 5.1
# Pester 5 suite for machines with pwsh or Windows PowerShell: the same behaviours as the xunit suite in
# tests/RingOut.PowerShell.Tests (which hosts a runspace in-process and is the CI gate). Run it with ./build.ps1 -Task Test.
# It imports the staged module folder given in $env:RINGOUT_MODULE (build.ps1 sets it), else out/RingOut/<version>.

BeforeDiscovery {
    # The cmdlets as the manifest lists them ('exports exactly its cmdlets' checks the list against the assembly).
    $script:Cmdlets = (Import-PowerShellDataFile (Join-Path $PSScriptRoot '../RingOut.psd1')).CmdletsToExport
    $script:AboutTopics = (Get-ChildItem (Join-Path $PSScriptRoot '../docs/RingOut') -Filter 'about_*.md').BaseName
    # The same scenarios as the xunit suite: one file, read by both.
    $scenarios = Get-Content (Join-Path $PSScriptRoot 'scenarios.json') -Raw | ConvertFrom-Json
    $script:Failures = foreach ($f in $scenarios.failures) {
        @{ To = $f.to; From = $f.from; Call = $f.call; Caller = $f.caller; Callee = $f.callee }
    }
    $script:BadInputs = foreach ($b in $scenarios.badInputs) {
        @{ Command = $b.command; ErrorId = $b.errorId; Target = $b.target; Because = $b.because }
    }
}

BeforeAll {
    $module = $env:RINGOUT_MODULE
    if (-not $module) {
        $props = [xml](Get-Content (Join-Path $PSScriptRoot '../Directory.Build.props') -Raw)
        $version = $props.Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1
        $module = Join-Path $PSScriptRoot "../out/RingOut/$version/RingOut.psd1"
    }
    Import-Module $module -Force -ErrorAction Stop

    function Get-EmulatorCount([string] $Method, [string] $Route) {
        (Get-RingCentralSession).Emulator.Statistics.Count($Method, $Route)
    }
}

AfterAll {
    Get-RingCentralSession | Disconnect-RingCentral -ErrorAction SilentlyContinue
    Remove-Module RingOut -ErrorAction SilentlyContinue
}

Describe 'Module' {
    It 'has a valid manifest' {
        $info = Test-ModuleManifest -Path (Join-Path (Get-Module RingOut).ModuleBase 'RingOut.psd1') -ErrorAction Stop
        $info.CompatiblePSEditions | Should -Contain 'Desktop'
        $info.CompatiblePSEditions | Should -Contain 'Core'
    }

    It 'exports exactly its cmdlets, each with an output type' {
        $names = (Get-Command -Module RingOut).Name | Sort-Object
        $declared = (Get-Command -Module RingOut)[0].ImplementingType.Assembly.GetTypes() |
            ForEach-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
            ForEach-Object { $_.VerbName + '-' + $_.NounName } | Sort-Object
        $names | Should -Be $declared
        foreach ($name in $names) { (Get-Command $name).OutputType | Should -Not -BeNullOrEmpty -Because $name }
    }
}

Describe 'Session' {
    It 'connects to the emulator without credentials and shows no secret' {
        $session = Connect-RingCentral -Environment Emulator -PassThru
        $session.EnvironmentName | Should -Be 'Emulator'
        $session.AccountId | Should -Be '37439510'
        $session.UserName | Should -Be 'Demo User'
        $all = $session | Format-List * | Out-String -Width 200
        $all | Should -Not -Match 'emulator-demo-client-secret|RCEMU-|ZGVtby11c2VyLWp3dA'
        # Format-List * shows what a user asks of a session, not its machinery.
        $all | Should -Not -Match '(?m)^(Budget|Clock|Emulator) +:'
        $session.Emulator.Statistics | Should -Not -BeNullOrEmpty
    }

    It 'disconnects, and then the call cmdlets say to connect' {
        Connect-RingCentral -Environment Emulator -VirtualTime
        Disconnect-RingCentral
        Get-RingCentralSession | Should -BeNullOrEmpty
        $e = { New-RingOutCall -To '+14155550123' } | Should -Throw -ErrorId 'RingOut.NotConnected,RingOut.PowerShell.NewRingOutCallCommand' -PassThru
        # The console shows the message, then the recommendation: each says its part once.
        $e.ErrorDetails.Message | Should -Be 'You are not connected to RingCentral.'
        $e.ErrorDetails.RecommendedAction | Should -Match '^Run Connect-RingCentral first'
    }

    It 'names missing credentials before any request' {
        { Connect-RingCentral -Server 'https://platform.ringcentral.invalid' -ClientId abc } |
            Should -Throw -ErrorId 'RingOut.MissingCredential,RingOut.PowerShell.ConnectRingCentralCommand'
    }

    It 'refuses plain http for a server that is not loopback' {
        $token = [System.Net.NetworkCredential]::new('', 'x').SecurePassword
        { Connect-RingCentral -Server 'http://platform.example.com' -AccessToken $token } |
            Should -Throw -ErrorId 'RingOut.InsecureServer,RingOut.PowerShell.ConnectRingCentralCommand'
    }
}

Describe 'Console' {
    It 'runs through -Debug in a pwsh that cannot prompt, with the exchanges as debug lines' {
        # This suite runs in pwsh -NonInteractive, where a prompt is an error.
        [Environment]::GetCommandLineArgs() | Should -Contain '-NonInteractive'
        $lines = & { Connect-RingCentral -Environment Emulator -VirtualTime -Debug; New-RingOutCall -To '+14155550123' -Debug } 5>&1
        $errors = @($lines | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errors | Should -BeNullOrEmpty
        @($lines | Where-Object { $_ -is [RingOut.Client.RingOutCall] }) | Should -HaveCount 1
        @($lines | Where-Object { $_ -is [System.Management.Automation.DebugRecord] }).Message | Should -Contain 'Connecting to https://emulator.ringout.invalid/ (Emulator).'
    }
}

Describe 'Help and completion' {
    BeforeAll { Connect-RingCentral -Environment Emulator -VirtualTime }

    It 'has full help for <_>, which reads whole at 80 columns' -ForEach $Cmdlets {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.description | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        $text = $help | Out-String -Width 80
        $text | Should -Not -Match '\{\{' -Because 'no PlatyPS placeholder is left'
        $text | Should -Not -Match '```' -Because 'example code stands in the code element, not fenced in the text'
        $text | Should -Not -Match '(?m)^\s*[\w-]+ [\w-]+\.md\s*$' -Because 'related links are named, not markdown files'
        foreach ($link in $help.relatedLinks.navigationLink) { $link.uri | Should -Match '^(https?://\S+)?$' -Because "$($link.linkText) is named" }
        foreach ($parameter in $help.parameters.parameter) {
            "$($parameter.defaultValue)" | Should -Not -BeNullOrEmpty -Because "-$($parameter.name) has a default value"
            $sentences = @(($parameter.description.Text -join ' ') -split '(?<=[.:;])\s+' | Where-Object { $_ })
            $sentences | Group-Object | Where-Object Count -GT 1 | ForEach-Object Name | Should -BeNullOrEmpty -Because "-$($parameter.name) says each thing once"
        }
        $sentences = @(($help.description.Text -join ' ') -split '(?<=[.:;])\s+' | Where-Object { $_ })
        $sentences | Group-Object | Where-Object Count -GT 1 | ForEach-Object Name | Should -BeNullOrEmpty -Because 'the description says each thing once'
        foreach ($example in $help.examples.example) {
            $example.code | Should -Not -BeNullOrEmpty -Because "$($example.title) has its code"
            # Get-Help indents code by 4: a longer line breaks mid-word at 80 columns.
            ($example.code -split '\r?\n') | Where-Object Length -GT 76 | Should -BeNullOrEmpty -Because "$($example.title) fits 80 columns"
        }
    }

    It '<_> fits 80 columns, broken between words' -ForEach $AboutTopics {
        $text = (Get-Help $_ | Out-String -Width 80) -split '\r?\n'
        $text | Should -Contain "    $_"
        $text | Where-Object Length -GT 80 | Should -BeNullOrEmpty
        ($text -join "`n") | Should -Not -Match '```|\{\{'
    }

    It 'completes -From with the forwarding numbers' {
        $line = "New-RingOutCall -To '+14155550123' -From "
        $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
        $completions.ListItemText | Should -Contain '+16505550002'
    }

    It 'lists the forwarding numbers' {
        (Get-RingCentralForwardingNumber).PhoneNumber | Should -Contain '+16505550001'
        (Get-RingCentralForwardingNumber -Name 'Work*').Id | Should -Be '417276280005'
    }
}

Describe 'Calls' {
    BeforeEach {
        Connect-RingCentral -Environment Emulator -VirtualTime
        (Get-RingCentralSession).Emulator.Statistics.Reset() # the sign-in's own requests are not the test's
    }

    It 'follows a call from InProgress to connected' {
        $call = New-RingOutCall -To '(415) 555-0123'
        $call | Should -BeOfType ([RingOut.Client.RingOutCall])
        $call.State | Should -Be 'InProgress'
        $call.To | Should -Be '+14155550123'
        $done = $call | Wait-RingOutCall
        $done.State | Should -Be 'Connected'
        $done.CallerStatus | Should -Be 'Success'
        $done.CalleeStatus | Should -Be 'Success'
    }

    It 'waits until both legs finish with -Until Ended' {
        $done = New-RingOutCall '+14155550123' | Wait-RingOutCall -Until Ended
        $done.State | Should -Be 'Ended'
        $done.IsFinal | Should -BeTrue
    }

    It 'takes the outcome of calls placed first and waited on later from the call log, and shows it in the table' {
        $calls = '+14155550123', '+16505550101' | New-RingOutCall
        $clock = (Get-RingCentralSession).Emulator.Clock
        $clock.AutoAdvance = $false; $clock.Advance([TimeSpan]::FromMinutes(5)); $clock.AutoAdvance = $true
        $done = $calls | Wait-RingOutCall
        $done.State | Should -Be 'Ended', 'Failed'
        $done.Result | Should -Be 'Call connected', 'Busy'
        $table = $done | Format-Table | Out-String -Width 80
        $table | Should -Match 'Result'
        $table | Should -Match 'Ended\s+.*\+14155550123\s+Call connected'
        $table | Should -Match 'Failed\s+.*\+16505550101\s+Busy'
        (Get-RingCentralSession).Emulator.Statistics.Count('GET', 'call-log') | Should -Be 1
    }

    It 'signs a session RingCentral ended in again with its JWT, warns once, and shows it in the session view' {
        $s = Get-RingCentralSession
        $call = New-RingOutCall -To '+14155550123'
        $null = $s.Emulator.Faults.Add('RevokeSession', 'GET', 'ring-out', 1)
        $read = $call | Get-RingOutCall -WarningVariable warned -WarningAction SilentlyContinue
        $read.Id | Should -Be $call.Id
        $warned.Count | Should -Be 1
        "$warned" | Should -Match '^Signed in again with the JWT credential: RingCentral refused to refresh'
        $view = $s | Format-List | Out-String -Width 200
        $view | Should -Match 'CanSignInAgain\s+: True'
        $view | Should -Match 'SignedInAgain\s+: 1 time\(s\), last .*refused to refresh the session'
    }

    It 'reports <To> from <From> as failed: <Call>/<Caller>/<Callee>' -ForEach $Failures {
        $splat = @{ To = $To }
        if ($From) { $splat.From = $From }
        $polled = New-RingOutCall @splat | Wait-RingOutCall -Via Polling
        $polled.State | Should -Be 'Failed'
        "$($polled.CallStatus)/$($polled.CallerStatus)/$($polled.CalleeStatus)" | Should -Be "$Call/$Caller/$Callee"
        # The default follows telephony events: the same state and legs; the call status is told by the legs, since
        # the events carry no RingOut call status (RingCentral's internal failure reads as CannotReach).
        $told = New-RingOutCall @splat | Wait-RingOutCall
        $told.TelephonySessionId | Should -Not -BeNullOrEmpty
        $told.State | Should -Be 'Failed'
        "$($told.CallStatus)/$($told.CallerStatus)/$($told.CalleeStatus)" | Should -Be "$(if ($Call -eq 'NoAnsweringMachine') { 'CannotReach' } else { $Call })/$Caller/$Callee"
    }

    It 'cancels a ringing call, hangs up a connected one, and an ended one gives CannotCancel while the pipeline goes on' {
        $ringing = New-RingOutCall -To '+16505550106'
        $connected = New-RingOutCall -To '+14155550123' | Wait-RingOutCall
        $over = New-RingOutCall -To '+16505550101' | Wait-RingOutCall
        $out = $over, $connected, $ringing | Stop-RingOutCall -PassThru -Force -ErrorVariable ev -ErrorAction SilentlyContinue
        $out.State | Should -Be 'Ended', 'Failed'
        $out.CalleeStatus | Should -Be 'Finished', 'Rejected'
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -Be 'RingOut.CannotCancel,RingOut.PowerShell.StopRingOutCallCommand'
        $ev[0].TargetObject.Id | Should -Be $over.Id
    }

    It 'sends nothing with -WhatIf' {
        New-RingOutCall -To '+14155550123' -WhatIf
        Get-EmulatorCount 'POST' 'ring-out' | Should -Be 0
    }

    It 'places one call per piped object with To and From' {
        $rows = @(
            [pscustomobject]@{ To = '+1 415 555 0100'; From = '+1 650 555 0002' }
            [pscustomobject]@{ To = '(415) 555-0101' }
            [pscustomobject]@{ PhoneNumber = '+44 20 7946 0958' }
        )
        $done = $rows | New-RingOutCall | Wait-RingOutCall
        $done | Should -HaveCount 3
        Get-EmulatorCount 'POST' 'ring-out' | Should -Be 3
    }

    It 'refuses <Command> with <ErrorId> before any request' -ForEach $BadInputs {
        $failure = $null
        # A script block takes no -ErrorAction: the preference, in this scope, makes its first error stop it.
        $ErrorActionPreference = 'Stop'
        try { & ([scriptblock]::Create($Command)) } catch { $failure = $_ }
        $failure | Should -Not -BeNullOrEmpty
        $failure.FullyQualifiedErrorId | Should -BeLike "$ErrorId,RingOut.PowerShell.*"
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failure.TargetObject | Should -Be $Target
        $failure.Exception.Message | Should -Match $Because
        (Get-RingCentralSession).Emulator.Statistics.TotalRequests | Should -Be 0
    }

    It 'reports a call RingCentral no longer knows as RingOut.CallNotFound' {
        Get-RingOutCall -Id 999 -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -Be 'RingOut.CallNotFound,RingOut.PowerShell.GetRingOutCallCommand'
        $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'names calls still pending at the timeout and still writes their snapshot' {
        $out = New-RingOutCall '+16505550106', '+14155550123' | Wait-RingOutCall -Timeout 15 -ErrorVariable ev -ErrorAction SilentlyContinue
        $out | Should -HaveCount 2
        $ev | Should -HaveCount 1
        $ev[0].FullyQualifiedErrorId | Should -Be 'RingOut.WaitTimeout,RingOut.PowerShell.WaitRingOutCallCommand'
    }
}

Describe 'Click-to-dial links' {
    It 'normalises <Written> into both schemes' -ForEach @(
        @{ Written = '+1 (650) 111-2222'; RcMobile = 'rcmobile://call?number=16501112222'; Tel = 'tel:+16501112222' }
        @{ Written = '650.111.2222'; RcMobile = 'rcmobile://call?number=16501112222'; Tel = 'tel:+16501112222' }
        @{ Written = '0044 20 7946 0958'; RcMobile = 'rcmobile://call?number=442079460958'; Tel = 'tel:+442079460958' }
    ) {
        $link = ConvertTo-RingCentralDialUri $Written
        $link.RcMobileUri | Should -Be $RcMobile
        $link.TelUri | Should -Be $Tel
        (ConvertTo-RingCentralDialUri $link.RcMobileUri).Number | Should -Be $link.Number
        (ConvertTo-RingCentralDialUri $link.TelUri).Number | Should -Be $link.Number
    }

    It 'refuses extensions and letters' {
        ConvertTo-RingCentralDialUri '+1 650 111 2222 x12', '1-800-FLOWERS' -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev | Should -HaveCount 2
        $ev[0].FullyQualifiedErrorId | Should -Be 'RingOut.InvalidPhoneNumber,RingOut.PowerShell.ConvertToRingCentralDialUriCommand'
    }

    It 'makes a page with the links and the Chrome script' {
        $html = [pscustomobject]@{ Name = 'Help desk'; PhoneNumber = '+1 650 111 2222' } | ConvertTo-RingCentralDialPage -Title 'Phones'
        $html | Should -Match 'href="rcmobile://call\?number=16501112222"'
        $html | Should -Match 'location\.assign'
    }

    It 'opens nothing with -WhatIf' {
        { Open-RingCentralDialUri '+1 650 111 2222' -WhatIf } | Should -Not -Throw
    }
}

Describe "The README's scheduled-run recipe" {
    It 'finds Examples/Invoke-RingOutBatch.ps1 in the module as imported, installed or not' {
        # This suite imports the module by its path (nothing is installed): the recipe must work so too.
        $readme = Get-Content (Join-Path $PSScriptRoot '../README.md')
        $lines = @($readme | Where-Object { $_ -match '^\$batch = ' })
        $lines | Should -HaveCount 1
        $batch = $null
        . ([scriptblock]::Create($lines[0]))
        $batch | Should -Exist
        (Split-Path $batch -Leaf) | Should -Be 'Invoke-RingOutBatch.ps1'
    }
}
