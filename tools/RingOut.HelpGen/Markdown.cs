using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace RingOut.HelpGen
{
    /// <summary>One cmdlet page in PlatyPS v1 markdown (schema 2.0.0).</summary>
    public sealed class CommandPage
    {
        public string Name, Synopsis, OnlineVersion, Notes;
        public List<string> Description = new();
        public List<(string Title, string Code, List<string> Remarks)> Examples = new();
        public List<(string Name, List<string> Description, Dictionary<string, string> Yaml)> Parameters = new();
        public List<(string Type, string Description)> Inputs = new(), Outputs = new();
        public List<(string Text, string Uri)> Links = new();
    }

    /// <summary>An about_ topic: SHORT DESCRIPTION and LONG DESCRIPTION, with its own sub-headings.</summary>
    public sealed class AboutPage
    {
        public string Name, Short;
        public List<string> Lines = new(); // the long description, markdown
    }

    public static class Markdown
    {
        private static List<(string Heading, List<string> Lines)> Sections(IEnumerable<string> lines, string marker)
        {
            var result = new List<(string, List<string>)>();
            List<string> current = null;
            var inFence = false;
            foreach (var line in lines)
            {
                if (line.StartsWith("```")) inFence = !inFence;
                if (!inFence && line.StartsWith(marker))
                {
                    current = new List<string>();
                    result.Add((line.Substring(marker.Length).Trim(), current));
                }
                else current?.Add(line);
            }
            return result;
        }

        /// <summary>Paragraphs: runs of non-blank lines joined with spaces (lines in a fence kept as they are).</summary>
        public static List<string> Paragraphs(IEnumerable<string> lines)
        {
            var result = new List<string>();
            var buffer = new List<string>();
            void Flush() { if (buffer.Count > 0) { result.Add(string.Join(" ", buffer.Select(l => l.Trim()))); buffer.Clear(); } }
            foreach (var line in lines)
            {
                if (string.IsNullOrWhiteSpace(line)) Flush();
                else buffer.Add(line);
            }
            Flush();
            return result;
        }

        private static (string code, List<string> rest) TakeCode(List<string> lines, string language)
        {
            var start = lines.FindIndex(l => l.Trim() == "```" + language);
            if (start < 0) return (null, lines);
            var end = lines.FindIndex(start + 1, l => l.Trim() == "```");
            var code = string.Join("\n", lines.Skip(start + 1).Take(end - start - 1));
            return (code, lines.Take(start).Concat(lines.Skip(end + 1)).ToList());
        }

        public static CommandPage ParseCommand(string text)
        {
            var lines = text.Replace("\r\n", "\n").Split('\n').ToList();
            var page = new CommandPage();
            if (lines[0] == "---")
            {
                var end = lines.IndexOf("---", 1);
                foreach (var l in lines.Skip(1).Take(end - 1))
                    if (l.StartsWith("online version:")) page.OnlineVersion = l.Substring("online version:".Length).Trim();
                lines = lines.Skip(end + 1).ToList();
            }
            page.Name = lines.First(l => l.StartsWith("# ")).Substring(2).Trim();
            foreach (var (heading, body) in Sections(lines, "## "))
            {
                switch (heading)
                {
                    case "SYNOPSIS": page.Synopsis = string.Join(" ", Paragraphs(body)); break;
                    case "DESCRIPTION": page.Description = Paragraphs(body); break;
                    case "NOTES": page.Notes = string.Join("\n", Paragraphs(body)); break;
                    case "EXAMPLES":
                        foreach (var (title, ex) in Sections(body, "### "))
                        {
                            var (code, rest) = TakeCode(ex, "powershell");
                            page.Examples.Add((title, code ?? "", Paragraphs(rest)));
                        }
                        break;
                    case "PARAMETERS":
                        foreach (var (title, p) in Sections(body, "### "))
                        {
                            if (!title.StartsWith("-")) continue; // CommonParameters
                            var (yaml, rest) = TakeCode(p, "yaml");
                            var fields = new Dictionary<string, string>();
                            foreach (var l in (yaml ?? "").Split('\n'))
                            {
                                var i = l.IndexOf(':');
                                if (i > 0) fields[l.Substring(0, i).Trim()] = l.Substring(i + 1).Trim();
                            }
                            page.Parameters.Add((title.Substring(1), Paragraphs(rest), fields));
                        }
                        break;
                    case "INPUTS":
                    case "OUTPUTS":
                        var list = heading == "INPUTS" ? page.Inputs : page.Outputs;
                        foreach (var (type, t) in Sections(body, "### ")) list.Add((type, string.Join(" ", Paragraphs(t))));
                        break;
                    case "RELATED LINKS":
                        foreach (Match m in Regex.Matches(string.Join("\n", body), @"\[([^\]]+)\]\(([^)]*)\)"))
                            page.Links.Add((m.Groups[1].Value, m.Groups[2].Value.EndsWith(".md") ? "" : m.Groups[2].Value));
                        break;
                }
            }
            return page;
        }

        public static AboutPage ParseAbout(string text)
        {
            var lines = text.Replace("\r\n", "\n").Split('\n').ToList();
            var page = new AboutPage { Name = lines.First(l => l.StartsWith("# ")).Substring(2).Trim() };
            foreach (var (heading, body) in Sections(lines, "## "))
            {
                if (heading == "SHORT DESCRIPTION") page.Short = string.Join(" ", Paragraphs(body));
                else if (heading == "LONG DESCRIPTION") page.Lines = body;
            }
            return page;
        }
    }
}
