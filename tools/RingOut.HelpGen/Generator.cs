using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text;
using System.Xml;

namespace RingOut.HelpGen
{
    /// <summary>
    /// Renders docs/RingOut/*.md (PlatyPS v1 markdown, the source of truth) to en-US/RingOut.PowerShell.dll-Help.xml
    /// and en-US/about_*.help.txt. Syntax, types, positions and pipeline binding come from the built cmdlets, so the
    /// help cannot describe parameters that do not exist; any drift between the markdown and the cmdlets is an error.
    /// </summary>
    public static class Generator
    {
        private static readonly HashSet<string> Common = new(StringComparer.OrdinalIgnoreCase)
        {
            "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
            "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable",
        };

        public const string MamlFile = "RingOut.PowerShell.dll-Help.xml";

        /// <summary>The files of en-US/ as they should be, by file name; throws listing every drift.</summary>
        public static IReadOnlyDictionary<string, string> Generate(string docsFolder, string moduleManifest)
        {
            var pages = Directory.GetFiles(docsFolder, "*.md").Where(f => !Path.GetFileName(f).StartsWith("about_"))
                .Select(f => Markdown.ParseCommand(File.ReadAllText(f))).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
            var commands = LoadCommands(moduleManifest);
            var problems = new List<string>();
            foreach (var missing in commands.Keys.Except(pages.Select(p => p.Name))) problems.Add($"{missing}: no markdown page");
            foreach (var extra in pages.Select(p => p.Name).Except(commands.Keys)) problems.Add($"{extra}: a page for a command the module does not export");
            foreach (var page in pages.Where(p => commands.ContainsKey(p.Name))) problems.AddRange(Check(page, commands[page.Name]));
            if (problems.Count > 0) throw new InvalidOperationException("The help markdown and the cmdlets disagree:\n" + string.Join("\n", problems));

            var files = new Dictionary<string, string> { [MamlFile] = RenderMaml(pages, commands) };
            foreach (var f in Directory.GetFiles(docsFolder, "about_*.md"))
            {
                var about = Markdown.ParseAbout(File.ReadAllText(f));
                files[about.Name + ".help.txt"] = AboutText(about);
            }
            return files;
        }

        private static Dictionary<string, CmdletInfo> LoadCommands(string manifest)
        {
            using var rs = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
            rs.Open();
            using var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = rs;
            ps.AddScript("Import-Module $args[0] -ErrorAction Stop; Get-Command -Module RingOut -CommandType Cmdlet").AddArgument(manifest);
            return ps.Invoke().Select(o => (CmdletInfo)o.BaseObject).ToDictionary(c => c.Name);
        }

        private static IEnumerable<CommandParameterInfo> Parameters(CmdletInfo c) =>
            c.ParameterSets.SelectMany(s => s.Parameters).Where(p => !Common.Contains(p.Name))
                .GroupBy(p => p.Name).Select(g => g.First());

        private static string TypeName(Type t) =>
            t.IsArray ? TypeName(t.GetElementType()) + "[]" : t.Name;

        private static string Pipeline(IEnumerable<CommandParameterInfo> infos)
        {
            var byValue = infos.Any(i => i.ValueFromPipeline);
            var byName = infos.Any(i => i.ValueFromPipelineByPropertyName);
            if (!byValue && !byName) return "False";
            return "True (" + string.Join(", ", new[] { byValue ? "ByValue" : null, byName ? "ByPropertyName" : null }.Where(x => x != null)) + ")";
        }

        private static List<CommandParameterInfo> InSets(CmdletInfo c, string name) =>
            c.ParameterSets.SelectMany(s => s.Parameters.Where(p => p.Name == name)).ToList();

        private static string SetsOf(CmdletInfo c, string name)
        {
            var sets = c.ParameterSets.Where(s => s.Parameters.Any(p => p.Name == name)).Select(s => s.Name).ToList();
            return sets.Count == c.ParameterSets.Count ? "(All)" : string.Join(", ", sets);
        }

        private static IEnumerable<string> Check(CommandPage page, CmdletInfo c)
        {
            var actual = Parameters(c).ToDictionary(p => p.Name);
            foreach (var name in actual.Keys.Except(page.Parameters.Select(p => p.Name))) yield return $"{c.Name} -{name}: not described in the markdown";
            foreach (var p in page.Parameters)
            {
                if (!actual.TryGetValue(p.Name, out var info)) { yield return $"{c.Name} -{p.Name}: described, but the cmdlet has no such parameter"; continue; }
                if (p.Description.Count == 0) yield return $"{c.Name} -{p.Name}: no description";
                var sets = InSets(c, p.Name);
                var expect = new Dictionary<string, string>
                {
                    ["Type"] = TypeName(info.ParameterType),
                    ["Parameter Sets"] = SetsOf(c, p.Name),
                    ["Required"] = sets.Any(s => s.IsMandatory) ? "True" : "False",
                    ["Position"] = sets.Select(s => s.Position).Max() is var pos && pos >= 0 ? pos.ToString() : "Named",
                    ["Accept pipeline input"] = Pipeline(sets),
                };
                foreach (var (key, value) in expect)
                    if (!p.Yaml.TryGetValue(key, out var written) || written != value)
                        yield return $"{c.Name} -{p.Name}: {key} is '{value}' in the cmdlet, '{written}' in the markdown";
            }
            if (string.IsNullOrWhiteSpace(page.Synopsis)) yield return $"{c.Name}: no synopsis";
            if (page.Description.Count == 0) yield return $"{c.Name}: no description";
            if (page.Examples.Count < 2) yield return $"{c.Name}: fewer than two examples";
        }

        private const string MamlNs = "http://schemas.microsoft.com/maml/2004/10";
        private const string Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        private const string Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

        private static string RenderMaml(List<CommandPage> pages, Dictionary<string, CmdletInfo> commands)
        {
            var sb = new StringBuilder();
            var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", Encoding = new UTF8Encoding(false), NewLineChars = "\n" };
            using (var w = XmlWriter.Create(new StringWriterUtf8(sb), settings))
            {
                w.WriteStartDocument();
                w.WriteStartElement("helpItems", "http://msh");
                w.WriteAttributeString("schema", "maml");
                foreach (var page in pages) WriteCommand(w, page, commands[page.Name]);
                w.WriteEndElement();
            }
            return sb.ToString().Replace("\r\n", "\n") + "\n";
        }

        private sealed class StringWriterUtf8 : StringWriter
        {
            public StringWriterUtf8(StringBuilder sb) : base(sb) { }
            public override Encoding Encoding => new UTF8Encoding(false);
        }

        private static void Paras(XmlWriter w, IEnumerable<string> paras)
        {
            foreach (var p in paras) w.WriteElementString("para", MamlNs, p);
        }

        private static void WriteCommand(XmlWriter w, CommandPage page, CmdletInfo c)
        {
            w.WriteStartElement("command", "command", Command);
            w.WriteAttributeString("xmlns", "maml", null, MamlNs);
            w.WriteAttributeString("xmlns", "command", null, Command);
            w.WriteAttributeString("xmlns", "dev", null, Dev);
            w.WriteStartElement("details", Command);
            w.WriteElementString("name", Command, c.Name);
            w.WriteElementString("verb", Command, c.Verb);
            w.WriteElementString("noun", Command, c.Noun);
            w.WriteStartElement("description", MamlNs); Paras(w, new[] { page.Synopsis }); w.WriteEndElement();
            w.WriteEndElement();
            w.WriteStartElement("description", MamlNs); Paras(w, page.Description); w.WriteEndElement();

            var described = page.Parameters.ToDictionary(p => p.Name);
            w.WriteStartElement("syntax", Command);
            foreach (var set in c.ParameterSets.OrderBy(s => s.IsDefault ? 0 : 1).ThenBy(s => s.Name, StringComparer.Ordinal))
            {
                w.WriteStartElement("syntaxItem", Command);
                w.WriteElementString("name", MamlNs, c.Name);
                foreach (var p in set.Parameters.Where(p => !Common.Contains(p.Name)).OrderBy(p => p.Position < 0 ? int.MaxValue : p.Position).ThenBy(p => p.IsMandatory ? 0 : 1))
                    WriteParameter(w, c, p.Name, described[p.Name], new[] { p }, p.Position, inSyntax: true);
                w.WriteEndElement();
            }
            w.WriteEndElement();

            w.WriteStartElement("parameters", Command);
            foreach (var p in page.Parameters)
            {
                var sets = InSets(c, p.Name);
                WriteParameter(w, c, p.Name, p, sets, sets.Max(s => s.Position), inSyntax: false);
            }
            w.WriteEndElement();

            w.WriteStartElement("inputTypes", Command);
            foreach (var (type, text) in page.Inputs) TypeEntry(w, "inputType", type, text);
            w.WriteEndElement();
            w.WriteStartElement("returnValues", Command);
            foreach (var (type, text) in page.Outputs) TypeEntry(w, "returnValue", type, text);
            w.WriteEndElement();
            if (!string.IsNullOrEmpty(page.Notes))
            {
                w.WriteStartElement("alertSet", MamlNs);
                w.WriteStartElement("alert", MamlNs); Paras(w, page.Notes.Split('\n')); w.WriteEndElement();
                w.WriteEndElement();
            }
            w.WriteStartElement("examples", Command);
            for (var i = 0; i < page.Examples.Count; i++)
            {
                var (title, code, remarks) = page.Examples[i];
                w.WriteStartElement("example", Command);
                w.WriteElementString("title", MamlNs, $"-------------------------- {title} --------------------------");
                w.WriteElementString("code", Dev, code);
                w.WriteStartElement("remarks", Dev); Paras(w, remarks); w.WriteEndElement();
                w.WriteEndElement();
            }
            w.WriteEndElement();
            w.WriteStartElement("relatedLinks", Command);
            if (!string.IsNullOrEmpty(page.OnlineVersion)) Link(w, "Online Version:", page.OnlineVersion);
            foreach (var (text, uri) in page.Links) Link(w, text, uri);
            w.WriteEndElement();
            w.WriteEndElement();
        }

        private static void Link(XmlWriter w, string text, string uri)
        {
            w.WriteStartElement("navigationLink", MamlNs);
            w.WriteElementString("linkText", MamlNs, text);
            w.WriteElementString("uri", MamlNs, uri);
            w.WriteEndElement();
        }

        private static void TypeEntry(XmlWriter w, string element, string type, string text)
        {
            w.WriteStartElement(element, Command);
            w.WriteStartElement("type", Dev); w.WriteElementString("name", MamlNs, type); w.WriteEndElement();
            w.WriteStartElement("description", MamlNs); if (!string.IsNullOrEmpty(text)) Paras(w, new[] { text }); w.WriteEndElement();
            w.WriteEndElement();
        }

        private static void WriteParameter(XmlWriter w, CmdletInfo c, string name, (string Name, List<string> Description, Dictionary<string, string> Yaml) doc,
            IReadOnlyList<CommandParameterInfo> infos, int position, bool inSyntax)
        {
            var info = infos[0];
            var type = info.ParameterType;
            var isSwitch = type == typeof(SwitchParameter);
            w.WriteStartElement("parameter", Command);
            w.WriteAttributeString("required", infos.Any(i => i.IsMandatory) ? "true" : "false");
            w.WriteAttributeString("variableLength", type.IsArray ? "true" : "false");
            w.WriteAttributeString("globbing", "false");
            w.WriteAttributeString("pipelineInput", Pipeline(infos));
            w.WriteAttributeString("position", position >= 0 ? position.ToString() : "named");
            w.WriteAttributeString("aliases", info.Aliases.Count == 0 ? "none" : string.Join(", ", info.Aliases));
            w.WriteElementString("name", MamlNs, name);
            w.WriteStartElement("description", MamlNs); Paras(w, doc.Description); w.WriteEndElement();
            var values = (type.IsEnum ? Enum.GetNames(type) : info.Attributes.OfType<ValidateSetAttribute>().SelectMany(v => v.ValidValues)).ToList();
            if (values.Count > 0 && inSyntax)
            {
                w.WriteStartElement("parameterValueGroup", Command);
                foreach (var v in values)
                {
                    w.WriteStartElement("parameterValue", Command);
                    w.WriteAttributeString("required", "false");
                    w.WriteAttributeString("command", "parameterValueType", null, "string");
                    w.WriteString(v);
                    w.WriteEndElement();
                }
                w.WriteEndElement();
            }
            if (!isSwitch)
            {
                w.WriteStartElement("parameterValue", Command);
                w.WriteAttributeString("required", "true");
                w.WriteAttributeString("variableLength", type.IsArray ? "true" : "false");
                w.WriteString(TypeName(type));
                w.WriteEndElement();
            }
            w.WriteStartElement("type", Dev);
            w.WriteElementString("name", MamlNs, TypeName(type));
            w.WriteElementString("uri", MamlNs, "");
            w.WriteEndElement();
            w.WriteElementString("defaultValue", Dev, doc.Yaml.TryGetValue("Default value", out var d) ? d : "None");
            w.WriteEndElement();
        }

        /// <summary>The about_ layout Get-Help reads: TOPIC, then SHORT DESCRIPTION on the fifth line, then the long text.</summary>
        private static string AboutText(AboutPage about)
        {
            var sb = new StringBuilder();
            sb.Append("TOPIC\n    ").Append(about.Name).Append("\n\nSHORT DESCRIPTION\n    ").Append(about.Short).Append("\n\nLONG DESCRIPTION\n");
            var inFence = false;
            foreach (var raw in about.Lines)
            {
                if (raw.StartsWith("```")) { inFence = !inFence; continue; }
                if (!inFence && raw.StartsWith("### ")) { sb.Append("  ").Append(raw.Substring(4).Trim().ToUpperInvariant()).Append('\n'); continue; }
                sb.Append(raw.Length == 0 ? "" : (inFence ? "        " : "    ") + raw).Append('\n');
            }
            return sb.ToString().TrimEnd('\n') + "\n";
        }
    }
}
