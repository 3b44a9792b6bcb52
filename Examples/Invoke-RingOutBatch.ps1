#Requires -Version 5.1
<#
.SYNOPSIS
    Places the RingOut calls listed in a CSV file, waits for every outcome, writes them to a CSV file, and exits with
    a code that says how the run went. Made for scheduled tasks: Task Scheduler, cron, systemd timers.

.DESCRIPTION
    Reads -Path (a CSV file with a To column; From, CallerId and any other columns are kept), connects with
    Connect-RingCentral (the RC_SERVER_URL, RC_APP_CLIENT_ID, RC_APP_CLIENT_SECRET and RC_USER_JWT variables, or the
    secrets of a SecretManagement vault named by -Vault), places every call with New-RingOutCall, waits with
    Wait-RingOutCall -Until Ended, and writes -OutFile: one row per input row, in the same order, with the call's Id,
    State (Ended, Failed, Unknown, or Error when the call was not placed), Result, Duration and Outcome, and the error
    for rows that failed. No call is placed twice: a row whose outcome could not be learnt says so, and is never
    placed again by this script.

    Exit codes:
      0  every call connected (State Ended).
      1  the run finished, and some calls did not connect: their rows say why.
      2  the run itself failed (the CSV could not be read, no session, the session ended): -OutFile, when written,
         holds what was known.

    With -LogPath, the run's transcript (every verbose line, no secret) is appended to that file.

.PARAMETER Path
    The CSV file of calls to place: a To column, and optionally From (the phone rung first) and CallerId.

.PARAMETER OutFile
    The CSV file of outcomes to write (overwritten).

.PARAMETER Vault
    A SecretManagement vault holding the secrets RingOutClientId, RingOutClientSecret and RingOutJwt. Without it, the
    RC_* environment variables are used.

.PARAMETER TimeoutSec
    Seconds to wait for the outcomes at most (default 3600). Calls still under way then are written as they stand.

.PARAMETER LogPath
    A file the run's transcript is appended to.

.EXAMPLE
    pwsh -NoProfile -File Invoke-RingOutBatch.ps1 -Path calls.csv -OutFile outcomes.csv -LogPath ringout.log
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $Path,

    [Parameter(Mandatory = $true)]
    [string] $OutFile,

    [string] $Vault,

    [ValidateRange(1, 86400)]
    [int] $TimeoutSec = 3600,

    [string] $LogPath
)

$ErrorActionPreference = 'Stop'
if ($LogPath) { $null = Start-Transcript -Path $LogPath -Append }
$exitCode = 2
try {
    # The module this script ships in, else the one installed.
    $manifest = Join-Path (Split-Path -Parent $PSScriptRoot) 'RingOut.psd1'
    if (Test-Path -LiteralPath $manifest) { Import-Module $manifest } else { Import-Module RingOut }

    $rows = @(Import-Csv -LiteralPath $Path)
    if ($rows.Count -gt 0 -and -not ($rows[0].PSObject.Properties.Name -contains 'To')) {
        throw "'$Path' has no To column: give the numbers to call in a column named To."
    }

    if ($Vault) {
        $clientId = Get-Secret -Vault $Vault -Name RingOutClientId -AsPlainText
        Connect-RingCentral -ShareRateLimits -ClientId $clientId -ClientSecret (Get-Secret -Vault $Vault -Name RingOutClientSecret) -Jwt (Get-Secret -Vault $Vault -Name RingOutJwt)
    }
    else {
        Connect-RingCentral -ShareRateLimits
    }

    # Place every row; a row that cannot be placed says why, and the others go on.
    $placed = @{}
    $errors = @{}
    for ($i = 0; $i -lt $rows.Count; $i++) {
        $row = $rows[$i]
        $options = @{ To = $row.To }
        if ($row.PSObject.Properties['From'] -and $row.From) { $options.From = $row.From }
        if ($row.PSObject.Properties['CallerId'] -and $row.CallerId) { $options.CallerId = $row.CallerId }
        $failed = $null
        $call = New-RingOutCall @options -ErrorAction SilentlyContinue -ErrorVariable failed
        if ($call) { $placed[$i] = $call }
        elseif ($failed) { $errors[$i] = $failed[0] }
    }

    # Wait for every outcome; a session that ends here ends the run (exit 2), with what is known written.
    $final = @{}
    $waitFailed = $null
    if ($placed.Count -gt 0) {
        $placed.Values | Wait-RingOutCall -Until Ended -Timeout $TimeoutSec -ErrorAction SilentlyContinue -ErrorVariable waitFailed |
            ForEach-Object { $final[$_.Id] = $_ }
    }

    $outcomes = for ($i = 0; $i -lt $rows.Count; $i++) {
        $out = [ordered]@{}
        foreach ($p in $rows[$i].PSObject.Properties) { $out[$p.Name] = $p.Value }
        $call = if ($placed.ContainsKey($i)) { if ($final.ContainsKey($placed[$i].Id)) { $final[$placed[$i].Id] } else { $placed[$i] } }
        $out.Id = if ($call) { $call.Id } else { '' }
        $out.State = if ($call) { [string]$call.State } else { 'Error' }
        $out.Result = if ($call) { $call.Result } else { '' }
        $out.Duration = if ($call -and $call.Duration) { [int]$call.Duration.TotalSeconds } else { '' }
        $out.Outcome = if ($call) { $call.Outcome } else { '' }
        $out.Error = if ($errors.ContainsKey($i)) { '{0}: {1}' -f $errors[$i].FullyQualifiedErrorId, $errors[$i].Exception.Message } else { '' }
        [pscustomobject]$out
    }
    @($outcomes) | Export-Csv -LiteralPath $OutFile -NoTypeInformation -Encoding utf8

    $connected = @($outcomes | Where-Object State -eq 'Ended').Count
    Write-Verbose "$($rows.Count) rows: $connected connected, $($rows.Count - $connected) did not."
    # Calls still under way at -TimeoutSec are rows that did not connect; anything else the wait said ends the run.
    $runFailed = @($waitFailed | Where-Object { $_.FullyQualifiedErrorId -notlike 'RingOut.WaitTimeout*' })
    if ($runFailed.Count -gt 0) {
        Write-Error -ErrorRecord $runFailed[0] -ErrorAction Continue
        $exitCode = 2
    }
    elseif ($connected -eq $rows.Count) { $exitCode = 0 }
    else { $exitCode = 1 }
}
catch {
    Write-Error -ErrorRecord $_ -ErrorAction Continue
    $exitCode = 2
}
finally {
    if (Get-Command Disconnect-RingCentral -ErrorAction Ignore) { Disconnect-RingCentral -ErrorAction Ignore }
    if ($LogPath) { $null = Stop-Transcript }
}
exit $exitCode
