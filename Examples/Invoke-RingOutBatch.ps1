#Requires -Version 5.1
<#
.SYNOPSIS
    Places the RingOut calls listed in a CSV file, follows every outcome, writes them to a CSV file, and exits with
    a code that says how the run went. Made for scheduled tasks: Task Scheduler, cron, systemd timers.

.DESCRIPTION
    A thin wrapper of Invoke-RingOutBatch for scheduled tasks. Reads -Path (a CSV file with a To column, or
    PhoneNumber, Phone or Number; From,
    CallerId and any other columns are kept), connects with Connect-RingCentral (the RC_SERVER_URL, RC_APP_CLIENT_ID,
    RC_APP_CLIENT_SECRET and RC_USER_JWT variables, or the secrets of a SecretManagement vault named by -Vault), and
    runs Invoke-RingOutBatch: it subscribes to the telephony events first, places the rows as RingCentral's limit
    allows while it follows the calls already placed, and records each step in a journal (-JournalPath, by default
    -OutFile with .journal added) before it goes on. -OutFile gets one row per input row, in the same order: the
    input's columns, then Id, State (Ended, Failed, Unknown: the call may have rung and its outcome could not be
    learned, or Error: not placed), From, PlacedAt (ISO 8601), Result, Duration (hh:mm:ss), Source, Outcome and Error.

    Killed at any point (a time limit, a reboot) and run again with the same arguments, it places no row the journal
    holds: it collects their outcomes instead, and says on its first line that the last run stopped uncleanly. Two
    runs of one journal never place calls together: the second exits 2. It prints one line per call and a summary
    line, disconnects (revokes its session) however it ends, and checks that -OutFile and the journal can be written
    before it calls anyone.

    Exit codes:
      0  every row connected (State Ended).
      1  the run finished, and some rows did not connect: their rows say why.
      2  the run itself failed (the CSV could not be read, no session, the journal is in use or was written for
         another input, -OutFile cannot be written, the session ended): -OutFile, when written, holds what was known,
         and a rerun with the same journal goes on from there.

    With -LogPath, the run's transcript (a line per call, every warning, no secret) is appended to that file.

.PARAMETER Path
    The CSV file of calls to place: a To column (or PhoneNumber, Phone, Number), and optionally From (the phone rung
    first) and CallerId.

.PARAMETER OutFile
    The CSV file of outcomes to write (replaced in one step at the end).

.PARAMETER JournalPath
    The run's journal. Default: -OutFile with .journal added. Keep it until every row has its outcome.

.PARAMETER Vault
    A SecretManagement vault holding the secrets RingOutClientId, RingOutClientSecret and RingOutJwt. Without it, the
    RC_* environment variables are used.

.PARAMETER TimeoutSec
    Seconds the run lasts at most (default 3600). Calls still under way then are written as they stand; a rerun
    collects them.

.PARAMETER Duplicates
    Two rows with one number: PlaceOnce (the default) calls it once; PlaceEach once per row. Either way a warning
    names the rows.

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

    [string] $JournalPath,

    [string] $Vault,

    [ValidateRange(1, 604800)]
    [int] $TimeoutSec = 3600,

    [ValidateSet('PlaceOnce', 'PlaceEach')]
    [string] $Duplicates = 'PlaceOnce',

    [string] $LogPath
)

$ErrorActionPreference = 'Stop'
if ($LogPath) { $null = Start-Transcript -Path $LogPath -Append }
$exitCode = 2
try {
    # The module this script ships in, else the one installed.
    $manifest = Join-Path (Split-Path -Parent $PSScriptRoot) 'RingOut.psd1'
    if (Test-Path -LiteralPath $manifest) { Import-Module $manifest } else { Import-Module RingOut }
    if (-not $JournalPath) { $JournalPath = "$OutFile.journal" }

    # Rows with no number column stop Invoke-RingOutBatch before anything is placed (RingOut.NoToColumn, naming the columns).
    $rows = @(Import-Csv -LiteralPath $Path)

    if ($Vault) {
        $clientId = Get-Secret -Vault $Vault -Name RingOutClientId -AsPlainText
        Connect-RingCentral -ShareRateLimits -ClientId $clientId -ClientSecret (Get-Secret -Vault $Vault -Name RingOutClientSecret) -Jwt (Get-Secret -Vault $Vault -Name RingOutJwt)
    }
    else {
        Connect-RingCentral -ShareRateLimits
    }

    # One line per call and the summary go to the output (and the transcript); the session ending is an error here.
    $runFailed = $null
    $report = @($rows | Invoke-RingOutBatch -JournalPath $JournalPath -OutFile $OutFile -Timeout $TimeoutSec -Duplicates $Duplicates `
            -InformationAction Continue -ErrorAction SilentlyContinue -ErrorVariable runFailed)
    if ($runFailed) {
        Write-Error -ErrorRecord $runFailed[0] -ErrorAction Continue
        $exitCode = 2
    }
    elseif (@($report | Where-Object State -ne 'Ended').Count -eq 0) { $exitCode = 0 }
    else { $exitCode = 1 }
}
catch {
    Write-Error -ErrorRecord $_ -ErrorAction Continue
    $exitCode = 2
}
finally {
    # Every exit this script controls revokes the session: a normal end, a terminating error, Ctrl+C.
    if (Get-Command Disconnect-RingCentral -ErrorAction Ignore) { Disconnect-RingCentral -ErrorAction Ignore }
    if ($LogPath) { $null = Stop-Transcript }
}
exit $exitCode
