#!/usr/bin/env bash
# Makes sure what a task needs is here; on Debian, installs what is missing.
#   scripts/deps.sh demo   -- build the library and arena-shell
#   scripts/deps.sh test   -- everything the test command needs (with the
#                            eight libraries of examples/ and the XML they read)
#   scripts/deps.sh bench  -- the benchmark peers, the eight libraries, gnuplot
#   scripts/deps.sh platforms -- scripts/platforms.sh: musl, 32-bit x86 (gcc
#                            -m32, qemu-i386), MinGW-w64 and wine
#
# Needs are named by their Debian package.  With dpkg-query, a package is
# here when dpkg says it is installed; without it, when what it provides
# answers (a command, a pkg-config module, a header, clang's libFuzzer).
# With apt-get, the missing packages are installed (through sudo when not
# root).  A failing `apt-get update` (a mirror mid-sync, a foreign
# architecture's index) only warns: the install is tried with the lists at
# hand, and the script fails only when a needed package is still missing,
# naming it.  Without apt-get, it lists what is needed and what is missing.
# Some packages are optional (another architecture's, through multiarch:
# dpkg --add-architecture is run for it first): they are installed when
# they can be, and their absence is reported but is no failure.  An
# optional need may name alternatives, "first|second": any one of them
# installed satisfies it, and they are tried in that order.
# Exit status: 0 when everything needed is here, 1 when something is
# missing, 2 for a bad argument.
#
# Commands it runs besides bash: dpkg-query, apt-get, sudo, env, id,
# mktemp, rm, tail, dpkg (for another architecture), and for the probes
# pkg-config, cc, c++ and clang.  It writes
# nothing to /dev/null, so a host whose /dev/null is broken still gets a
# true answer.
set -uo pipefail

want=(cmake make gcc pkg-config libedit-dev)
maybe=() # optional: installed when they can be
# The libraries examples/ wires to the arena (tests, label libs) and W8
# benchmarks; shared-mime-info ships the XML they parse.
libs=(libcjson-dev libjansson-dev liblua5.4-dev libsqlite3-dev libexpat1-dev libxml2-dev zlib1g-dev
    libpcre2-dev shared-mime-info)
case "${1:-demo}" in
demo) ;;
test) want+=(g++ clang clang-format libclang-rt-14-dev llvm valgrind libcmocka-dev gcovr tmux abigail-tools
    python3 groff-base man-db "${libs[@]}") ;;
bench)
    want+=(g++ libjemalloc-dev libmimalloc-dev libgoogle-perftools-dev libtalloc-dev
        libapr1-dev gnuplot-nox valgrind python3 "${libs[@]}")
    ;;
platforms)
    want+=(g++ musl-tools gcc-multilib g++-multilib gcc-mingw-w64-x86-64 wine wine64 qemu-user)
    # The 32-bit cmocka suites; without them the 32-bit build runs the
    # self-checking programs (scripts/platforms.sh says so).  The 32-bit
    # arena-shell needs libedit for i386: libedit-dev:i386 pulls in
    # libc6-dev:i386, which installs only when the i386 package lists match
    # the native ones version for version (a mirror of the security suite
    # mid-sync breaks that); libedit2:i386 alone needs no -dev package, and
    # with the native libedit-dev's headers (Multi-Arch: same, so the same
    # files) it is enough to build the shell (scripts/platforms.sh).
    maybe+=(libcmocka-dev:i386 'libedit-dev:i386|libedit2:i386')
    ;;
*)
    echo "usage: $0 demo|test|bench|platforms" >&2
    exit 2
    ;;
esac
task=${1:-demo}

say() { echo "deps: $*" >&2; }
have() { [ -n "$(command -v "$1")" ]; }
indent() { while IFS= read -r line; do echo "  $line"; done >&2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/arena-deps.XXXXXX") || {
    say "cannot create a temporary directory"
    exit 1
}
trap 'rm -rf "$work"' EXIT

# What each package provides, as probes "kind:name" (all must answer).
provides() {
    case $1 in
    llvm) echo "cmd:llvm-symbolizer" ;;
    abigail-tools) echo "cmd:abidw cmd:abidiff" ;;
    gnuplot-nox) echo "cmd:gnuplot" ;;
    groff-base) echo "cmd:groff" ;;
    man-db) echo "cmd:man" ;;
    valgrind) echo "cmd:valgrind hdr:valgrind/memcheck.h" ;;
    libedit-dev) echo "pc:libedit" ;;
    libcmocka-dev) echo "pc:cmocka" ;;
    libjemalloc-dev) echo "pc:jemalloc" ;;
    libmimalloc-dev) echo "hdr:mimalloc.h" ;;
    libgoogle-perftools-dev) echo "pc:libtcmalloc_minimal" ;;
    libtalloc-dev) echo "pc:talloc" ;;
    libapr1-dev) echo "pc:apr-1" ;;
    libcjson-dev) echo "pc:libcjson" ;;
    libjansson-dev) echo "pc:jansson" ;;
    liblua5.4-dev) echo "pc:lua5.4" ;;
    libsqlite3-dev) echo "pc:sqlite3" ;;
    libexpat1-dev) echo "pc:expat" ;;
    libxml2-dev) echo "pc:libxml-2.0" ;;
    zlib1g-dev) echo "pc:zlib" ;;
    libpcre2-dev) echo "pc:libpcre2-8" ;;
    shared-mime-info) echo "file:/usr/share/mime/packages/freedesktop.org.xml" ;;
    libclang-rt-*) echo "fuzzer:clang" ;;
    musl-tools) echo "cmd:musl-gcc" ;;
    gcc-multilib) echo "m32:cc" ;;
    g++-multilib) echo "m32:c++" ;;
    gcc-mingw-w64-x86-64) echo "cmd:x86_64-w64-mingw32-gcc" ;;
    wine | wine64) echo "cmd:wine" ;;
    qemu-user) echo "cmd:qemu-i386" ;;
    libedit2:i386) echo "so32:libedit.so.2" ;;
    *-dev:i386)
        local native
        native=$(provides "${1%:i386}")
        echo "pc32:${native#pc:}"
        ;;
    *) echo "cmd:$1" ;;
    esac
}

describe() { # describe PROBE...: the probes in words
    local p out=""
    for p in "$@"; do
        case $p in
        cmd:*) out+=", command ${p#cmd:}" ;;
        pc:*) out+=", pkg-config module ${p#pc:}" ;;
        hdr:*) out+=", header <${p#hdr:}>" ;;
        fuzzer:*) out+=", clang -fsanitize=fuzzer (libFuzzer runtime)" ;;
        m32:*) out+=", ${p#m32:} -m32 links a program" ;;
        pc32:*) out+=", pkg-config module ${p#pc32:} for i386" ;;
        so32:*) out+=", shared library ${p#so32:} for i386" ;;
        file:*) out+=", file ${p#file:}" ;;
        esac
    done
    echo "${out#, }"
}

probe() { # probe PROBE: 0 when it answers here
    case $1 in
    cmd:*) have "${1#cmd:}" ;;
    pc:*) have pkg-config && pkg-config --exists "${1#pc:}" ;;
    hdr:*)
        have cc && printf '#include <%s>\n' "${1#hdr:}" |
            cc -E -x c - -o "$work/probe.i" >"$work/probe.log" 2>&1
        ;;
    fuzzer:*)
        have clang && printf '%s\n' \
            'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);' \
            'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)' \
            '{ (void)d; (void)n; return 0; }' |
            clang -fsanitize=fuzzer -x c - -o "$work/probe" >"$work/probe.log" 2>&1
        ;;
    m32:*)
        local lang=c
        [ "${1#m32:}" = c++ ] && lang=c++
        have "${1#m32:}" && printf 'int main(void) { return 0; }\n' |
            "${1#m32:}" -m32 -x $lang - -o "$work/probe" >"$work/probe.log" 2>&1
        ;;
    pc32:*)
        have pkg-config && PKG_CONFIG_LIBDIR=/usr/lib/i386-linux-gnu/pkgconfig \
            pkg-config --exists "${1#pc32:}"
        ;;
    so32:*) [ -e "/usr/lib/i386-linux-gnu/${1#so32:}" ] ;;
    file:*) [ -e "${1#file:}" ] ;;
    *) return 1 ;;
    esac
}

# The machine's own architecture: a name without one means that one (or
# "all").  Empty without dpkg: then any installed architecture counts.
native_arch=$(dpkg --print-architecture 2>"$work/arch.log")

installed() { # installed PACKAGE[:ARCH]
    if have dpkg-query; then
        # With multiarch a name may be installed for several architectures:
        # one line each.
        local out line arch=${1#*:}
        [ "$arch" = "$1" ] && arch=$native_arch
        out=$(dpkg-query -W -f='${Status}|${Architecture}\n' "$1" 2>"$work/dpkg.log") || return 1
        while IFS= read -r line; do
            case $line in
            "install ok installed" | "install ok installed|all" | "install ok installed|$arch")
                return 0
                ;;
            "install ok installed|"*) [ -z "$arch" ] && return 0 ;;
            esac
        done <<<"$out"
        return 1
    else
        local p
        for p in $(provides "$1"); do
            probe "$p" || return 1
        done
    fi
}

installed_any() { # installed_any FIRST|SECOND...: one of the alternatives is installed
    local alts a
    IFS='|' read -ra alts <<<"$1"
    for a in "${alts[@]}"; do
        installed "$a" && return 0
    done
    return 1
}

missing_now() { # fills `missing` with the needs not installed, `needed` with the wanted ones
    missing=()
    needed=()
    local p
    for p in "${want[@]}"; do
        installed "$p" || needed+=("$p")
    done
    missing=("${needed[@]}")
    for p in "${maybe[@]}"; do
        installed_any "$p" || missing+=("$p")
    done
}

missing_now
[ ${#missing[@]} -eq 0 ] && exit 0

if ! have apt-get; then
    say "apt-get not found (not Debian?), so nothing is installed here."
    say "'$task' needs these (Debian package names, and what is looked for):"
    for p in "${want[@]}" "${maybe[@]}"; do
        need="ok     "
        [[ " ${missing[*]} " == *" $p "* ]] && need="MISSING"
        IFS='|' read -ra alts <<<"$p"
        name=""
        for a in "${alts[@]}"; do
            # An alternative is marked on its own ("-": absent, another stands in).
            mark=$need
            if [ ${#alts[@]} -gt 1 ] && [ "$need" != MISSING ]; then
                mark="-      "
                installed "$a" && mark="ok     "
            fi
            # shellcheck disable=SC2046 # one probe per word
            printf '  %s  %-24s %s\n' "$mark" "$name$a" "$(describe $(provides "$a"))" >&2
            name="or "
        done
    done
    [ ${#maybe[@]} -gt 0 ] && say "optional: ${maybe[*]}"
    say "missing: ${missing[*]}; install them with the system's package manager"
    [ ${#needed[@]} -eq 0 ]
    exit
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    if ! have sudo; then
        say "missing: ${missing[*]}; installing them needs root, and sudo is not here"
        [ ${#needed[@]} -eq 0 ]
        exit
    fi
    sudo=(sudo)
fi
apt() { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$@"; }

# Another architecture's packages (name:arch) need that architecture known
# to dpkg before the package lists are fetched.
for p in "${missing[@]}"; do
    { [[ $p == *:* ]] && have dpkg; } || continue
    arch=${p##*:}
    archs=$'\n'$(dpkg --print-architecture 2>&1; dpkg --print-foreign-architectures 2>&1)$'\n'
    [[ $archs == *$'\n'$arch$'\n'* ]] && continue
    say "adding the architecture $arch (dpkg --add-architecture $arch)"
    "${sudo[@]}" dpkg --add-architecture "$arch" >"$work/arch.log" 2>&1 || tail -n 3 "$work/arch.log" | indent
done

say "installing ${missing[*]}"
if ! apt update -qq >"$work/update.log" 2>&1; then
    say "apt-get update failed; installing from the package lists at hand:"
    tail -n 5 "$work/update.log" | indent
fi
firsts=()
for p in "${missing[@]}"; do firsts+=("${p%%|*}"); done
if ! apt install -y -qq --no-install-recommends "${firsts[@]}" >"$work/install.log" 2>&1; then
    # apt-get installs all or nothing: one package it cannot have would hold
    # back the others, so each one is tried on its own, then its
    # alternatives in order.
    for p in "${missing[@]}"; do
        IFS='|' read -ra alts <<<"$p"
        for a in "${alts[@]}"; do
            apt install -y -qq --no-install-recommends "$a" >"$work/install-$a.log" 2>&1 && break
        done
    done
fi

before=("${missing[@]}")
missing_now
for p in "${before[@]}"; do
    # An alternative stands in for the first choice: say why.
    if [[ $p == *"|"* ]] && ! installed "${p%%|*}" && installed_any "$p"; then
        say "installed an alternative to ${p%%|*} (${p#*|}); apt-get says of ${p%%|*}:"
        tail -n 3 "$work/install-${p%%|*}.log" | indent
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    for p in "${missing[@]}"; do
        log="$work/install-${p%%|*}.log"
        [ -e "$log" ] || log="$work/install.log"
        say "cannot install $p; apt-get says:"
        tail -n 3 "$log" | indent
    done
    if [ ${#needed[@]} -eq 0 ]; then
        say "optional, not installed: ${missing[*]}"
        exit 0
    fi
    say "missing: ${needed[*]}"
    exit 1
fi
exit 0
