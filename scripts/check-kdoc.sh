#!/usr/bin/env bash
# Check the kernel-doc of the public entry points: every function declared with
# NP_API and every NP_INLINE function in include/netpool/*.h must follow a
# kernel-doc comment of its own that
#   - opens with "np_name() - ..." (the function's name),
#   - names each argument as "@arg:" when the function takes more than one,
#   - has a "Context:" line (which thread may call it: the library's central contract),
#   - has a "Return:" line unless the function returns void.
# Usage: scripts/check-kdoc.sh [header...]  (default: include/netpool/*.h)
# Prints one line per fault and a summary; exits 1 on any fault.
set -u
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
	set -- include/netpool/*.h
fi
exec python3 - "$@" <<'EOF'
import re
import sys

DECL = re.compile(r'^(?:NP_API|NP_INLINE)\b')
NAME = re.compile(r'([A-Za-z_]\w*)\s*\(')
# qualifiers that are not part of the return type
QUALS = {'NP_API', 'NP_INLINE', 'NP_COLD', 'NP_NOINLINE', 'static', 'inline', 'extern'}


def split_params(text):
    """The top-level comma-separated parameters inside the outer parentheses."""
    depth, cur, out = 0, '', []
    for ch in text:
        if ch == '(':
            depth += 1
            if depth == 1:
                continue
        elif ch == ')':
            depth -= 1
            if depth == 0:
                break
        if depth == 1 and ch == ',':
            out.append(cur.strip())
            cur = ''
        elif depth >= 1:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return [p for p in out if p != 'void']


def param_name(p):
    if p == '...':
        return '...'
    m = re.search(r'\(\s*\*\s*(\w+)\s*\)', p)	# a function pointer: int (*fn)(...)
    if m:
        return m.group(1)
    p = re.sub(r'\[[^\]]*\]', '', p)		# an array: int64_t out[N]
    m = re.search(r'(\w+)\s*$', p)
    return m.group(1) if m else None


def check(path, faults):
    lines = open(path, encoding='utf-8').read().split('\n')
    count = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        if not DECL.match(line):
            i += 1
            continue
        # the declaration up to its ';' or its body's '{'
        decl, j = line, i
        while not re.search(r'[;{]', decl) and j + 1 < len(lines):
            j += 1
            decl += ' ' + lines[j].strip()
        m = NAME.search(decl)
        if not m or '(' not in decl:
            i = j + 1
            continue
        name = m.group(1)
        count += 1
        where = '%s:%d: %s()' % (path, i + 1, name)
        # the comment that ends on the line right above
        k = i - 1
        if k < 0 or not lines[k].rstrip().endswith('*/'):
            faults.append(where + ': no kernel-doc comment right above')
            i = j + 1
            continue
        while k >= 0 and '/*' not in lines[k]:
            k -= 1
        if k < 0 or '/**' not in lines[k]:
            faults.append(where + ': the comment above is not kernel-doc (/**)')
            i = j + 1
            continue
        doc = '\n'.join(lines[k:i])
        if not re.search(r'(?:/\*\*|\*)\s*' + re.escape(name) + r'\(\)\s+-\s', doc):
            faults.append(where + ': the comment does not open with "%s() - "' % name)
        if not re.search(r'(?m)^\s*\*\s*Context:', doc):
            faults.append(where + ': no Context: line')
        rtype = [w for w in decl[:m.start()].split() if w not in QUALS]
        if rtype != ['void'] and not re.search(r'(?m)^\s*\*\s*Return:', doc):
            faults.append(where + ': no Return: line')
        params = split_params(decl[m.end() - 1:])
        if len(params) > 1:
            for p in params:
                pn = param_name(p)
                if pn and not re.search(r'@' + re.escape(pn) + r':', doc):
                    faults.append(where + ': argument @%s not described' % pn)
        i = j + 1
    return count


faults = []
total = sum(check(p, faults) for p in sys.argv[1:])
for f in faults:
    print(f)
bad = len({f.split(': ')[0] for f in faults})
print('check-kdoc: %d entry points, %d without a complete comment (%d faults)'
      % (total, bad, len(faults)))
sys.exit(1 if faults else 0)
EOF
