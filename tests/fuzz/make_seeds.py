#!/usr/bin/env python3
"""Writes the seed corpus for fuzz_arena (tests/fuzz/corpus/seed-*).

Each seed is a small program in the fuzzer's input format (see
fuzz_arena.c: a header describing 1..3 arenas, then opcode/operand bytes).
The seeds only give the fuzzer a start on every arena type and operation;
libFuzzer finds the rest.  Deterministic: rerunning rewrites the same files.
"""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")

def size_op(r):
    c = r.choice([0x05, 0x10, 0x1f, 0x20, 0x40, 0x60, 0x80, 0xA0, 0xC0, 0xE0])
    c |= r.randrange(0, 32) if c < 0x20 else 0
    out = [c]
    cls = c >> 5
    if cls == 1:
        out.append(r.randrange(256))
    elif cls in (2, 3):
        out += [r.randrange(256), r.randrange(16) if cls == 2 else r.randrange(256)]
    elif cls == 4:
        out.append(r.randrange(256))
    elif cls == 5:
        out.append(r.randrange(33))
    elif cls == 7:
        out += [r.randrange(256) for _ in range(4)]
    return out

def align_op(r):
    return [r.choice([0, 3, 4, 5, 8, 100, 159, 170, 200, 223, 224, 225, 226, 227, 228])]

def op(r, narena, kind):
    a = r.randrange(narena)
    if kind in (0, 1, 2, 18):
        return [kind, a] + size_op(r) + align_op(r)
    if kind in (3, 4, 6):
        return [kind, a] + size_op(r)
    if kind == 5:
        return [kind, a] + size_op(r) + [r.randrange(64), r.randrange(2)]
    if kind in (7, 8, 9):
        n = r.randrange(20)
        out = [kind, a, n] + [r.randrange(26) for _ in range(n)]
        if kind == 8:
            out.append(r.randrange(30))
        if kind == 9:
            w = r.choice([0, 1])
            out += [w * 3, 0] if w else [1, 0]
            out += [r.randrange(256) for _ in range(4)] if w else [r.randrange(40)]
            out.append(r.randrange(256))
        return out
    if kind in (10, 11):
        return [kind, a, r.randrange(256)] + size_op(r)
    if kind == 12:
        k = r.randrange(256)
        return [kind, a, k] + (size_op(r) if k & 0x80 else [r.randrange(256), r.randrange(4)])
    if kind in (15, 19):
        return [kind, a, r.randrange(256)]
    if kind == 20:
        return [kind, a, r.randrange(256), r.randrange(256)]
    return [kind, a]

def main():
    os.makedirs(OUT, exist_ok=True)
    for t in range(7):          # one seed per arena type, every op
        r = random.Random(1000 + t)
        data = [0, t, r.choice([2, 4, 6, 0x85]), r.randrange(256), 120]
        for kind in list(range(22)) * 3:
            data += op(r, 1, kind)
        write("seed-type%d" % t, data)
    for s in range(24):         # mixed programs on 1..3 arenas
        r = random.Random(s)
        n = 1 + s % 3
        data = [n - 1]
        for _ in range(n):
            data += [r.randrange(7), r.randrange(256), r.randrange(256), r.randrange(40, 256)]
        for _ in range(40 + r.randrange(80)):
            data += op(r, n, r.randrange(22))
        write("seed-mix%02d" % s, data)

def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes(b & 0xFF for b in data))

if __name__ == "__main__":
    main()
