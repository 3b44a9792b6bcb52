@{
    # The assemblies are in bin/: in the staged module folder, and beside this file after dotnet build.
    RootModule           = 'bin/RingOut.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5f0c3a52-8d1e-4c1b-9a57-6f2d4e8b7c31'
    Author               = 'RingOut contributors'
    CompanyName          = 'RingOut contributors'
    Copyright            = '(c) RingOut contributors. MIT License.'
    Description          = 'Place and track RingCentral RingOut calls from scripts, pipelines and scheduled tasks: Connect-RingCentral, New-RingOutCall, Wait-RingOutCall and friends, with a built-in offline emulator.'
    CompatiblePSEditions = @('Desktop', 'Core')
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    # Loaded first: it serves every assembly in bin/Dependencies/ from a load context of its own (see README).
    NestedModules        = @('bin/RingOut.PowerShell.Loader.dll')
    FormatsToProcess     = @('RingOut.format.ps1xml')
    TypesToProcess       = @('RingOut.types.ps1xml')
    CmdletsToExport      = @(
        'Connect-RingCentral'
        'Disconnect-RingCentral'
        'Get-RingCentralSession'
        'New-RingOutCall'
        'Get-RingOutCall'
        'Stop-RingOutCall'
        'Wait-RingOutCall'
        'Invoke-RingOutBatch'
        'Get-RingCentralForwardingNumber'
        'ConvertTo-RingCentralDialUri'
        'ConvertTo-RingCentralDialPage'
        'Open-RingCentralDialUri'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('RingCentral', 'RingOut', 'Telephony', 'Call', 'VoIP', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/ringout/RingOut.PowerShell'
            LicenseUri   = 'https://github.com/ringout/RingOut.PowerShell/blob/main/LICENSE'
            ReleaseNotes = 'See CHANGELOG.md: first release with the session and RingOut call cmdlets, click-to-dial links and the built-in emulator.'
        }
    }
}
