#!/usr/bin/env python3
"""man.py -- arena's man pages, generated from the sources they describe.

    man.py --out DIR [--header include/arena.h] [--shell-dir tools]
    man.py --usage [--shell-dir tools]       print arena-shell's --help text
    man.py --names [--header include/arena.h] print each page and its names

Section 3 comes from include/arena.h alone.  Its `/* ---- title ---- */`
comments cut it into groups; every group that declares a function becomes
one page, named after its first function, that lists the group's functions
and function-like macros in NAME and SYNOPSIS and gives the comment above
each declaration as its description; every other name of the group gets a
page holding `.so` to it, so `man 3 NAME` works for each one.  The comment
at the top of the header, and the groups that declare no function (types,
constants), make arena(3).  Nothing is listed by hand: a new group or a new
function in the header is a new page or a new name on the next build.
Names beginning with arena__ or ARENA__ are the header's internals and never
appear; neither does what the header keeps for C++ compilers only.

Section 1, arena-shell(1), comes from the shell's sources: the usage text in
tools/main.c (what --help prints) and the command table in tools/commands.c
(what 'help' prints), read through the struct in tools/command.h.

The pages are plain man(7) roff that groff renders without warnings.  The
generator owns DIR/man1 and DIR/man3: pages it did not write this time are
removed, so a function that leaves the header loses its page.
"""

import argparse
import errno
import os
import re
import sys

MAN_TITLE = "arena manual"

# ---------------------------------------------------------------- roff text


def esc(text):
    """Escapes text for roff: backslashes and minus signs."""
    return text.replace("\\", "\\e").replace("-", "\\-")


def nohyphen(text):
    """Marks every word that holds an identifier (an underscore) so that
    groff never hyphenates it: \\% before the word."""
    return re.sub(r"(?:^|(?<=\s))(?=[^\s]*_)", r"\\%", text)


def line_safe(line):
    """A roff input line that does not start a request."""
    return "\\&" + line if line[:1] in (".", "'") else line


ERRNO_NAMES = set(errno.errorcode.values())


def inline(text, known):
    """Escapes prose and marks it up: `x` in italics, the header's names
    and errno's names in bold."""
    out = []
    for i, part in enumerate(re.split(r"`([^`]*)`", text)):
        if i % 2:
            out.append("\\fI" + esc(part) + "\\fP")
            continue
        for j, piece in enumerate(re.split(r"([A-Za-z_][A-Za-z0-9_]*)", part)):
            if j % 2 and (piece in known or piece in ERRNO_NAMES):
                out.append("\\fB" + esc(piece) + "\\fP")
            elif j % 2 and "_" in piece:
                out.append(esc(piece))
            else:
                out.append(esc(piece))
    return nohyphen("".join(out))


def prose(lines, known):
    """Comment lines (their own indentation kept) as roff paragraphs:
    a blank line ends a paragraph, '- ' starts a bullet whose more-indented
    lines continue it."""
    out = []
    mode = None  # None, "para" or "bullet"
    bullet_indent = 0
    for raw in lines:
        if not raw.strip():
            mode = None
            continue
        indent = len(raw) - len(raw.lstrip())
        text = raw.strip()
        m = re.match(r"- (.*)", text)
        if m:
            if mode is None and out:
                out.append(".PP")
            out.append(".IP \\(bu 2")
            out.append(line_safe(inline(m.group(1), known)))
            mode, bullet_indent = "bullet", indent
            continue
        if mode == "bullet" and indent > bullet_indent:
            out.append(line_safe(inline(text, known)))
            continue
        if mode != "para":
            out.append(".PP")
            mode = "para"
        out.append(line_safe(inline(text, known)))
    return out


def code_block(lines):
    """Lines shown as they are, in the example font."""
    out = [".PP", ".in +4n", ".EX"]
    out += [line_safe(esc(line)) for line in lines]
    out += [".EE", ".in"]
    return out


def wrap_prototype(proto, width=72):
    """A prototype broken after commas, continuation lines under the first
    parameter, as the man pages of the C library print them."""
    if len(proto) <= width or "(" not in proto:
        return [proto]
    head, rest = proto.split("(", 1)
    indent = " " * (len(head) + 1)
    lines, cur = [], head + "("
    params = rest.split(", ")
    for k, param in enumerate(params):
        piece = param if k == len(params) - 1 else param + ","
        if cur.endswith("(") or len(cur) + 1 + len(piece) <= width:
            cur = cur + ("" if cur.endswith("(") else " ") + piece
        else:
            lines.append(cur)
            cur = indent + piece
    lines.append(cur)
    return lines


# ------------------------------------------------------------ the C header


class Entry:
    """One declaration or macro of the header."""

    def __init__(self, kind, name, code, note="", fields=None, params=None):
        self.kind = kind  # func, macro (function-like), const, type, struct, other
        self.name = name
        self.code = code  # func: the prototype; const: the value; others: lines
        self.note = note  # a trailing comment
        self.fields = fields or []  # struct: (name, declaration, comment)
        self.params = params  # macro: its parameter list

    @property
    def internal(self):
        return self.name is None or self.name.lower().startswith("arena__") or (
            self.name.startswith("struct ") and "arena__" in self.name)


class Item:
    """A comment and the declarations that follow it."""

    def __init__(self, doc=None):
        self.doc = doc  # comment lines, or None
        self.entries = []

    def public(self):
        return [e for e in self.entries if not e.internal]


class Section:
    def __init__(self, title, intro=None):
        self.title = title
        self.intro = intro or []
        self.items = []

    def entries(self):
        return [e for it in self.items for e in it.public()]

    def functions(self):
        return [e for e in self.entries() if e.kind == "func"]

    def names(self):
        """What the section's page lists in NAME: its functions and
        function-like macros, in the header's order."""
        return [e.name for e in self.entries() if e.kind in ("func", "macro")]


def comment_lines(body):
    """The lines of a block comment's body, ' * ' margins removed and the
    common indentation stripped."""
    lines = body.split("\n")
    cleaned = []
    for k, line in enumerate(lines):
        if k > 0:
            line = re.sub(r"^\s*\*(?!/) ?", "", line, count=1)
        elif line.startswith(" "):
            line = line[1:]  # the space after the opening /*
        cleaned.append(line.rstrip())
    while cleaned and not cleaned[0].strip():
        cleaned.pop(0)
    while cleaned and not cleaned[-1].strip():
        cleaned.pop()
    if cleaned:
        margin = min(len(l) - len(l.lstrip()) for l in cleaned if l.strip())
        cleaned = [l[margin:] for l in cleaned]
    return cleaned


def units(text):
    """Splits C source into comments, preprocessor lines and declarations,
    each with whether a blank line precedes it."""
    i, n = 0, len(text)
    out = []
    line_start = True
    blank = False

    while i < n:
        c = text[i]
        if c == "\n":
            if line_start:
                blank = True
            line_start = True
            i += 1
            continue
        if c in " \t":
            i += 1
            continue
        if text.startswith("/*", i):
            j = text.index("*/", i + 2)
            out.append(("comment", text[i + 2:j], blank, line_start))
            blank = False
            i = j + 2
            line_start = False
            continue
        if text.startswith("//", i):
            i = text.index("\n", i)
            continue
        if c == "#" and line_start:
            j = i
            while True:
                k = text.find("\n", j)
                if k < 0:
                    k = n
                if text[j:k].rstrip().endswith("\\") and k < n:
                    j = k + 1
                    continue
                break
            line = text[i:k]
            # a comment that starts on the line may end on a later one
            while line.count("/*") > line.count("*/"):
                k = text.index("*/", k) + 2
                line = text[i:k]
            out.append(("pp", line, blank, True))
            blank = False
            i = k
            line_start = False
            continue
        # a declaration: up to ';' at depth 0, or a function body's '}'
        j, depth, body = i, 0, False
        while j < n:
            ch = text[j]
            if text.startswith("/*", j):
                j = text.index("*/", j + 2) + 2
                continue
            if ch == "\n" and re.match(r"[ \t]*#", text[j + 1:j + 80]):
                break  # a directive ends a declaration (extern "C" {)
            if ch in "\"'":
                k = j + 1
                while text[k] != ch:
                    k += 2 if text[k] == "\\" else 1
                j = k + 1
                continue
            if ch == "{":
                if depth == 0 and text[i:j].rstrip().endswith(")"):
                    body = True
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0 and body:
                    j += 1
                    break
            elif ch == ";" and depth == 0:
                j += 1
                break
            j += 1
        out.append(("code", text[i:j], blank, line_start))
        blank = False
        i = j
        line_start = False
    return out


def strip_comments(code):
    return re.sub(r"/\*.*?\*/", " ", code, flags=re.S)


def squash(code):
    return re.sub(r"\s+", " ", code).strip()


ATTRIBUTES = r"\b(ARENA_API|ARENA__\w+(\s*\([^)]*\))?|__attribute__\s*\(\(.*?\)\)|static|inline|extern)\b"


def parse_define(line):
    """A #define as an Entry (None for other directives)."""
    m = re.match(r"#\s*define\s+(\w+)(\([^)]*\))?(.*)", line, re.S)
    if not m:
        return None
    name, params, rest = m.group(1), m.group(2), m.group(3)
    notes = re.findall(r"/\*(.*?)\*/", rest, re.S)
    value = squash(strip_comments(rest).replace("\\\n", " "))
    note = " ".join(squash(" ".join(comment_lines(c))) for c in notes)
    if params:
        return Entry("macro", name, value, note, params=params)
    return Entry("const", name, value, note)


def parse_struct_fields(body, enum=False):
    """(name, declaration, comment) for each member; for an enum, each
    enumerator (its declaration keeps its comma)."""
    fields = []
    end = "," if enum else ";"
    pattern = r"([^%s]*%s|[^%s]+$)[ \t]*(/\*.*?\*/)?" % (end, end, end)
    for m in re.finditer(pattern, body, re.S):
        decl, comment = m.group(1), m.group(2) or ""
        lead = re.findall(r"/\*(.*?)\*/", decl, re.S)
        decl = squash(strip_comments(decl))
        if not decl or decl == end:
            continue
        fm = re.search(r"\(\s*\*\s*(\w+)\s*\)", decl) or re.search(r"(\w+)\s*(\[[^\]]*\])?\s*[;,=]", decl)
        fm = fm or re.match(r"(\w+)", decl)
        text = " ".join(squash(" ".join(comment_lines(c))) for c in lead + ([comment[2:-2]] if comment else []))
        fields.append((fm.group(1) if fm else decl, decl, text))
    return fields


def declared_name(decl):
    """The name a declaration or typedef introduces: the one inside (*...)
    for a function pointer, else the last identifier (before any array
    bounds)."""
    m = re.search(r"\(\s*\*\s*(\w+)\s*\)\s*\(", decl)
    if m:
        return m.group(1)
    m = re.search(r"(\w+)\s*(\[[^\]]*\]\s*)*(=.*)?;$", decl)
    return m.group(1) if m else None


def parse_code(code):
    """A declaration as an Entry."""
    bare = strip_comments(code).strip()
    flat = squash(bare)
    m = re.match(r"(typedef\s+)?(struct|union|enum)\s*(\w*)\s*\{(.*)\}\s*(\w*)\s*;$", bare, re.S)
    if m:
        kind, tag, alias = m.group(2), m.group(3), m.group(5)
        body_raw = code[code.index("{") + 1:code.rindex("}")]
        fields = parse_struct_fields(body_raw, enum=kind == "enum")
        head = ("typedef " if m.group(1) else "") + kind + (" " + tag if tag else "") + " {"
        lines = [head] + ["    " + f[1] for f in fields]
        lines.append("} " + alias + ";" if alias else "};")
        return Entry("struct", alias or (kind + " " + tag), lines, fields=fields)
    if flat.startswith("typedef "):
        return Entry("type", declared_name(flat), [flat])
    if "{" in flat:  # a function with its body: the prototype is what precedes it
        flat = squash(flat[:flat.index("{")]) + ";"
    m = re.match(r"(.*?)\b(\w+)\s*\((.*)\)\s*(ARENA__\w+\s*\([^)]*\)\s*)*;$", flat)
    if m:
        proto = squash(re.sub(ATTRIBUTES, " ", flat))
        proto = re.sub(r"\s*;$", ";", re.sub(r"\(\s+", "(", proto))
        return Entry("func", m.group(2), proto)
    # a variable: shown as declared, without the export attribute
    return Entry("other", declared_name(flat), [squash(re.sub(ATTRIBUTES, " ", flat))])


def merge(entries, funcs):
    """One entry per name: a macro that stands for a function of the same
    name (in `funcs`) is that function; a macro defined once per platform
    shows no single value."""
    out, seen = [], {}
    for e in entries:
        if e.kind == "macro" and e.name in funcs:
            continue
        if e.name is not None and e.name in seen:
            first = seen[e.name]
            if first.code != e.code:
                first.code = ""
                first.note = first.note or "defined for each compiler and platform"
            continue
        if e.name is not None:
            seen[e.name] = e
        out.append(e)
    return out


def cplusplus_only(cond):
    return re.fullmatch(r"(ifdef\s+__cplusplus|if\s+defined\s*\(?\s*__cplusplus\s*\)?)", cond) is not None


class Header:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        m = re.match(r"\s*/\*(.*?)\*/", text, re.S)
        top = comment_lines(m.group(1)) if m else []
        self.summary, self.overview = "", top
        if top and " -- " in top[0]:
            self.summary = top[0].split(" -- ", 1)[1].rstrip(".")
            self.overview = top[1:]
        self.version = ""
        vm = re.search(r'#\s*define\s+ARENA_VERSION_STRING\s+"([^"]*)"', text)
        if vm:
            self.version = vm.group(1)
        self.sections = []
        self._parse(text[m.end():] if m else text)

    def _parse(self, text):
        preamble = Section("")
        sec, item = preamble, None
        self.sections.append(sec)
        stack = []  # per #if: True when that branch is skipped
        guard = None
        for kind, body, blank, own_line in units(text):
            if kind == "pp":
                d = re.match(r"#\s*(\w+)\s*(.*)", body, re.S)
                word, cond = d.group(1), squash(strip_comments(d.group(0)[1:]))
                if word in ("if", "ifdef", "ifndef"):
                    if word == "ifndef" and guard is None and not self.sections[1:]:
                        guard = d.group(2).split()[0]
                    stack.append(cplusplus_only(cond))
                    continue
                if word in ("else", "elif"):
                    if stack:
                        stack[-1] = False
                    continue
                if word == "endif":
                    if stack:
                        stack.pop()
                    continue
                if any(stack):
                    continue
                e = parse_define(body)
                if e is None or e.name == guard:
                    continue
                if item is None or blank:
                    item = Item()
                    sec.items.append(item)
                item.entries.append(e)
                continue
            if any(stack):
                continue
            if kind == "comment":
                lines = comment_lines(body)
                h = re.match(r"-{4}\s+(.*?)\s+-{3,}\s*$", lines[0]) if lines else None
                if h:
                    sec = Section(h.group(1), comment_lines("\n".join(lines[1:])))
                    self.sections.append(sec)
                    item = None
                    continue
                if not own_line and item is not None:
                    continue  # a trailing comment on a declaration
                item = Item(lines)
                sec.items.append(item)
                continue
            e = parse_code(body)
            if item is None or blank:
                item = Item()
                sec.items.append(item)
            item.entries.append(e)
        for s in self.sections:
            funcs = {e.name for it in s.items for e in it.entries if e.kind == "func"}
            for it in s.items:
                it.entries = merge(it.entries, funcs)
        if not preamble.items:
            self.sections.remove(preamble)
        elif all((e.name or "").startswith("ARENA_VERSION") for e in preamble.entries()):
            preamble.title = "version"
        else:
            preamble.title = "general"

    def groups(self):
        """The sections that become pages of their own."""
        return [s for s in self.sections if s.functions()]

    def known(self):
        names = set()
        for s in self.sections:
            for e in s.entries():
                names.add(e.name)
        return names


def th(name, section, version):
    """The title line, then left-adjusted text: lines full of long
    identifiers that must not be hyphenated cannot be justified."""
    return '.TH %s %s "" "arena %s" "%s"\n.ad l' % (esc(name.upper()), section, esc(version), MAN_TITLE)


def label(entries):
    return nohyphen(", ".join(esc(e.name) + ("()" if e.kind == "func" else "") for e in entries))


def render_item(item, known, macro_code):
    """An item in DESCRIPTION: a subsection named after what it declares
    (none for a bare list of constants), the code of its types (and of its
    macros, where no SYNOPSIS shows them), its comment, its constants and
    its fields."""
    out = []
    pub = item.public()
    if item.entries and not pub:
        return out  # the header's internals
    if pub and (item.doc or any(e.kind != "const" for e in pub)):
        out.append(".SS " + label(pub))
    code = []
    for e in pub:
        if e.kind in ("struct", "type", "other"):
            code += e.code
        elif e.kind == "macro" and macro_code:
            code.append("#define " + e.name + e.params)
    if code:
        out += code_block(code)
    if item.doc:
        out += prose(item.doc, known)
    for e in pub:
        if e.kind == "const":
            out.append(".TP")
            out.append(".B " + nohyphen(esc(e.name)))
            text = ("\\f(CR" + esc(e.code) + "\\fP") if e.code else ""
            if e.note:
                text = (text + ": " if text else "") + inline(e.note, known)
            out.append(line_safe(text or "(defined)"))
        if e.kind == "struct":
            for fname, _, ftext in e.fields:
                if ftext:
                    out.append(".TP")
                    out.append(".I " + nohyphen(esc(fname)))
                    out.append(line_safe(inline(ftext, known)))
    return out


def group_page(h, sec, known):
    names = sec.names()
    page = names[0]
    out = [th(page, 3, h.version), ".SH NAME", nohyphen(", ".join(esc(n) for n in names)) + " \\- " + esc(sec.title)]
    out += [".SH SYNOPSIS", ".nf", ".B #include <arena.h>", ".PP"]
    for e in sec.entries():
        if e.kind == "func":
            out += [line_safe(esc(l)) for l in wrap_prototype(e.code)]
        elif e.kind == "macro":
            out.append(line_safe(esc("#define " + e.name + e.params)))
    out.append(".fi")
    out.append(".PP")
    out.append("Link with \\fI\\-larena\\fP.")
    out.append(".SH DESCRIPTION")
    if sec.intro:
        out += prose(sec.intro, known)
    for item in sec.items:
        out += render_item(item, known, macro_code=False)
    out += [".SH CONVENTIONS",
            ".PP",
            "What every function shares (errors and \\fIerrno\\fP, a NULL arena, alignment,",
            "size 0, how long pointers stay valid, threads) is in",
            ".BR arena (3)."]
    out += see_also(h, exclude=page)
    return page, "\n".join(out) + "\n"


def see_also(h, exclude):
    refs = [("arena", 3)] + [(s.names()[0], 3) for s in h.groups()] + [("arena-shell", 1)]
    refs = [r for r in refs if r[0] != exclude]
    out = [".SH SEE ALSO"]
    for k, (name, sect) in enumerate(refs):
        out.append(".BR %s (%d)%s" % (nohyphen(esc(name)), sect, "," if k < len(refs) - 1 else ""))
    return out


def overview_page(h, known):
    out = [th("arena", 3, h.version), ".SH NAME", "arena \\- " + esc(h.summary or "arena allocation")]
    out += [".SH SYNOPSIS", ".nf", ".B #include <arena.h>", ".fi", ".PP",
            "Link with \\fI\\-larena\\fP: \\fBpkg\\-config \\-\\-cflags \\-\\-libs arena\\fP,",
            "or the CMake target \\fBarena::arena\\fP."]
    out.append(".SH DESCRIPTION")
    out += prose(h.overview, known)
    out.append(".SH FUNCTIONS")
    out.append(".PP")
    out.append("Each group of calls has its page; each name in it leads there.")
    for s in h.groups():
        out.append(".TP")
        out.append(".BR %s (3)" % nohyphen(esc(s.names()[0])))
        out.append(esc(s.title) + ": " + nohyphen(", ".join("\\fB" + esc(n) + "\\fP" for n in s.names())))
    for s in h.sections:
        if s.functions() or not s.entries():
            continue
        out.append(".SH " + esc(s.title.upper()))
        if s.intro:
            out += prose(s.intro, known)
        for item in s.items:
            out += render_item(item, known, macro_code=True)
    out += see_also(h, exclude="arena")
    return "\n".join(out) + "\n"


def link_page(target):
    return ".so man3/%s.3\n" % target


# ---------------------------------------------------------- arena-shell(1)


def c_strings(text):
    """The string literals of a C fragment, decoded and concatenated."""
    out = []
    for m in re.finditer(r'"((?:[^"\\\n]|\\.)*)"', text):
        out.append(re.sub(r"\\(.)", lambda e: {"n": "\n", "t": "\t"}.get(e.group(1), e.group(1)), m.group(1)))
    return "".join(out)


def usage_text(shell_dir):
    with open(os.path.join(shell_dir, "main.c"), encoding="utf-8") as f:
        src = f.read()
    m = re.search(r'usage_text\s*\[\s*\]\s*=((?:\s*"(?:[^"\\\n]|\\.)*")+)\s*;', src)
    if not m:
        sys.exit("man.py: no usage_text in %s/main.c" % shell_dir)
    return c_strings(m.group(1))


def command_fields(shell_dir):
    """The member names of struct shell_cmd, in order."""
    with open(os.path.join(shell_dir, "command.h"), encoding="utf-8") as f:
        src = strip_comments(f.read())
    m = re.search(r"struct\s+shell_cmd\s*\{(.*?)\}\s*;", src, re.S)
    names = []
    for decl in m.group(1).split(";"):
        decl = squash(decl)
        if not decl:
            continue
        for d in decl.split(","):
            names.append(re.findall(r"\w+", d)[-1])
    return names


def initializer_rows(src, array):
    """The rows of `array[] = { {...}, ... };` as lists of field values:
    a string (literals concatenated), None for NULL, else the expression."""
    m = re.search(re.escape(array) + r"\s*\[\s*\]\s*=\s*\{", src)
    i, depth = m.end(), 1
    rows, fields, tokens = [], [], []
    tok = re.compile(r'\s+|/\*.*?\*/|"(?:[^"\\\n]|\\.)*"|[{},]|[^\s{},"]+', re.S)
    while depth > 0:
        t = tok.match(src, i)
        i = t.end()
        s = t.group(0)
        if s.isspace() or s.startswith("/*"):
            continue
        if s == "{":
            depth += 1
            fields, tokens = [], []
        elif s == "}":
            depth -= 1
            if depth == 1:
                fields.append(tokens)
                rows.append(fields)
        elif s == "," and depth == 2:
            fields.append(tokens)
            tokens = []
        elif depth == 2:
            tokens.append(s)
    out = []
    for row in rows:
        vals = []
        for toks in row:
            if toks and all(t.startswith('"') for t in toks):
                vals.append(c_strings(" ".join(toks)))
            elif toks == ["NULL"]:
                vals.append(None)
            else:
                vals.append(" ".join(toks))
        out.append(vals)
    return out


def shell_commands(shell_dir):
    names = command_fields(shell_dir)
    with open(os.path.join(shell_dir, "commands.c"), encoding="utf-8") as f:
        src = f.read()
    return [dict(zip(names, row)) for row in initializer_rows(src, "shell_commands")]


def synopsis_words(text, program=None):
    """Usage words: the program and literal words in bold, UPPERCASE
    placeholders in italics, brackets and bars as they are."""
    out = []
    for tok in re.split(r"([\[\]|\s]+)", text):
        if not tok:
            continue
        if re.fullmatch(r"[\[\]|\s]+", tok):
            out.append(esc(tok))
        elif re.fullmatch(r"[A-Z][A-Z0-9_]*", tok):
            out.append("\\fI" + esc(tok) + "\\fP")
        else:
            out.append("\\fB" + esc(tok) + "\\fP")
    return "".join(out)


def option_spec(spec):
    parts = []
    for alt in spec.split(", "):
        m = re.match(r"(-{1,2}[\w-]+)(=?)(\s*)(\S*)", alt)
        opt, eq, sp, arg = m.groups()
        parts.append("\\fB" + esc(opt + eq) + "\\fP" + sp + ("\\fI" + esc(arg) + "\\fP" if arg else ""))
    return ", ".join(parts)


def shell_page(shell_dir, version, known):
    usage = usage_text(shell_dir).rstrip("\n").split("\n")
    syn = re.match(r"usage:\s*(\S+)\s*(.*)", usage[0])
    program, args = syn.group(1), syn.group(2)
    k = 1
    while k < len(usage) and not usage[k].strip():
        k += 1
    desc = []
    while k < len(usage) and usage[k].strip() and not re.match(r"\w[\w ]*:$", usage[k]):
        desc.append(usage[k].strip())
        k += 1
    first = " ".join(desc).split(". ")[0].rstrip(".")
    summary = first[:1].lower() + first[1:]
    out = [th(program, 1, version), ".SH NAME", esc(program) + " \\- " + esc(summary)]
    out += [".SH SYNOPSIS", ".B " + esc(program), synopsis_words(args)]
    out += [".SH DESCRIPTION", ".PP"] + [line_safe(inline(l, set())) for l in desc]
    later = []  # the usage text's closing paragraphs follow the commands
    while k < len(usage):
        line = usage[k]
        if not line.strip():
            k += 1
            continue
        if re.match(r"options?:$", line.strip(), re.I):
            k += 1
            block = []
            while k < len(usage) and usage[k].strip():
                block.append(usage[k])
                k += 1
            out.append(".SH OPTIONS")
            out += options(block)
            continue
        m = re.match(r"([A-Z][a-z]+(?: [a-z]+)*): (.*)", line)
        if m:
            later += [".SH " + esc(m.group(1).upper()), ".PP", line_safe(inline(m.group(2), set()))]
        else:
            later.append(line_safe(inline(line.strip(), set())))
        k += 1
    out += [".SH COMMANDS", ".PP",
            "One command per line, with its arguments.",
            "A unique prefix of a command's name is enough, and the short forms always work;",
            ".B help",
            "lists the commands and",
            ".BI help \" COMMAND\"",
            "explains one.",
            "Blank lines and lines whose first character is",
            ".B #",
            "are ignored."]
    for cmd in shell_commands(shell_dir):
        out.append(".TP")
        out.append(synopsis_words(cmd["name"] + (" " + cmd["args"] if cmd["args"] else "")))
        out += help_text(cmd["help"])
        also = []
        if cmd.get("alias"):
            also.append("short form \\fB" + esc(cmd["alias"]) + "\\fP")
        if cmd.get("synonym"):
            also.append("also \\fB" + esc(cmd["synonym"]) + "\\fP")
        tail = "Example: \\fB" + esc(cmd["example"]) + "\\fP"
        if also:
            tail += "; " + ", ".join(also)
        out += [".IP", line_safe(tail + ".")]
    out += later
    out += [".SH SEE ALSO", ".BR arena (3)"]
    return "\n".join(out) + "\n"


def options(block):
    cols = {}
    for line in block:
        m = re.match(r"(  \S.*?\S)\s{2,}\S", line)
        if m:
            c = len(m.group(0)) - 1
            cols[c] = cols.get(c, 0) + 1
    col = max(cols, key=cols.get) if cols else 24
    out = []
    for line in block:
        if re.match(r"\s{0,4}-", line) and len(line) - len(line.lstrip()) < col:
            if len(line) > col and line[col - 1] == " ":
                spec, desc = line[:col].strip(), line[col:].strip()
            else:
                spec, desc = line.strip(), ""
            out += [".TP", option_spec(spec)]
            if desc:
                out.append(line_safe(inline(desc, set())))
        else:
            out.append(line_safe(inline(line.strip(), set())))
    return out


def help_text(text):
    """A command's help: prose lines filled; indented lines are a table
    whose first column ends at two spaces and whose more-indented lines
    continue the row above."""
    out, table, row_indent = [], False, 0
    for line in text.split("\n"):
        indent = len(line) - len(line.lstrip())
        if indent >= 2:
            if table and indent > row_indent:
                out.append(line_safe(inline(line.strip(), set())))
                continue
            if not table:
                out.append(".RS")
                table = True
            row_indent = indent
            tag, _, desc = line.strip().partition("  ")
            out += [".TP 10", ".B " + esc(tag), line_safe(inline(desc.strip(), set()))]
            continue
        if table:
            out += [".RE", ".IP"]
            table = False
        out.append(line_safe(inline(line.strip(), set())))
    if table:
        out.append(".RE")
    return out


# ------------------------------------------------------------------- main


def write_pages(out_dir, pages):
    """Writes {relative path: text}; removes the pages it did not write."""
    for sub in ("man1", "man3"):
        os.makedirs(os.path.join(out_dir, sub), exist_ok=True)
    for rel, text in pages.items():
        path = os.path.join(out_dir, rel)
        old = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                old = f.read()
        if old != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    for sub, ext in (("man1", ".1"), ("man3", ".3")):
        for name in os.listdir(os.path.join(out_dir, sub)):
            rel = sub + "/" + name
            if name.endswith(ext) and rel not in pages:
                os.remove(os.path.join(out_dir, rel))


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--header", default=os.path.join(root, "include", "arena.h"))
    ap.add_argument("--shell-dir", default=os.path.join(root, "tools"))
    ap.add_argument("--out", help="write DIR/man1 and DIR/man3")
    ap.add_argument("--stamp", help="touch this file when done")
    ap.add_argument("--usage", action="store_true", help="print arena-shell's usage text")
    ap.add_argument("--names", action="store_true", help="print each page and the names it covers")
    a = ap.parse_args()

    if a.usage:
        sys.stdout.write(usage_text(a.shell_dir))
        return 0
    h = Header(a.header)
    known = h.known()
    pages = {"man3/arena.3": overview_page(h, known)}
    for sec in h.groups():
        page, text = group_page(h, sec, known)
        pages["man3/%s.3" % page] = text
        for name in sec.names()[1:]:
            pages["man3/%s.3" % name] = link_page(page)
    if a.names:
        for sec in h.groups():
            print(sec.names()[0] + ": " + " ".join(sec.names()))
        return 0
    if not a.out:
        ap.error("--out, --usage or --names is required")
    if os.path.isdir(a.shell_dir):
        pages["man1/arena-shell.1"] = shell_page(a.shell_dir, h.version, known)
    write_pages(a.out, pages)
    if a.stamp:
        with open(a.stamp, "w", encoding="utf-8") as f:
            f.write("\n".join(sorted(pages)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
