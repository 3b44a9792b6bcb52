# PSScriptAnalyzer settings for every .ps1 and .psd1 in the repository (./build.ps1 -Task Analyze).
# Every rule of the default set is on, at every severity. Nothing is excluded.
@{
    Severity     = @('Error', 'Warning', 'Information')
    IncludeDefaultRules = $true
}
