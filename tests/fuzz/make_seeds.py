#!/usr/bin/env python3
"""Writes the seed corpus for fuzz_arena (tests/fuzz/corpus/seed-*).

Each seed is a small program in the fuzzer's input format (see
fuzz_arena.c: a header describing 1..3 arenas, then opcode, arena selector
and operand bytes; opcodes 22..31 are the lifetimes operations, selectors
from 0x80 name child slots).  The seeds only give the fuzzer a start on
every arena type and operation; libFuzzer finds the rest.  Deterministic:
rerunning rewrites the same files (seed-type*, seed-mix* are older than the
lifetimes operations and keep their bytes; seed-life* exercise cleanups
and children).
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
    if kind in (22, 23, 29):            # arena_defer: how, argument size
        return [kind, a, r.randrange(256), r.randrange(256)]
    if kind in (24, 31, 27, 28):        # arena_undefer, early destroy, refused calls
        return [kind, a, r.randrange(256)]
    if kind in (25, 26, 30):            # arena_create_child: options, block size, cap
        return [kind, a, r.choice([0x00, 0x01, 0x08, 0x10, 0x20, 0x40, 0x06, 0x07,
                                   r.randrange(256)]), r.randrange(256), r.randrange(256)]
    return [kind, a]


CHILD = 0x80  # selector of child slot 0; slots fill in order, first free first


def life_script(r, root_type):
    """A tree two and three levels deep under one arena: cleanups with
    arguments in the arena, marks between registrations, early destroys,
    undefer, restore, reset and destroy of the parent."""
    hdr = [0, root_type, r.choice([2, 4, 6, 0x85]), r.randrange(256), 200]
    ops = []
    defer = lambda sel, how: ops.append([22, sel, how, r.randrange(256)])
    child = lambda sel, k, bs: ops.append([25, sel, k, bs, r.randrange(256)])
    alloc = lambda sel: ops.append([3, sel] + size_op(r))
    defer(0, 0x00)            # argument in the root
    alloc(0)
    ops.append([13, 0])       # mark
    child(0, 0x00, 2)         # child slot 0, 64-byte blocks
    defer(CHILD + 0, 0x00)
    defer(0, 0x01)            # a cleanup after the child: runs before it ends
    child(CHILD + 0, 0x00, 4) # grandchild, slot 1
    defer(CHILD + 1, 0x06)    # static argument
    alloc(CHILD + 1)
    alloc(CHILD + 0)
    child(0, 0x18, 1)         # capped, fixed child, slot 2
    defer(CHILD + 2, 0x02)    # argument shared with a pending one
    ops.append([24, 0, 0x01]) # undefer the newest pending of the root
    ops.append([27, CHILD + 2, 0])  # early destroy
    child(0, 0x20, 3)         # long name, reuses the dead record
    ops.append([15, 0, 0x80]) # restore to the newest mark: ends all above
    child(0, 0x06, 0)         # defaults
    defer(CHILD + 0, 0x04)
    ops.append([28, 0, r.randrange(256)])
    ops.append([16, 0])       # reset: everything ends
    child(0, 0x00, 5)
    child(CHILD + 0, 0x00, 2)
    defer(CHILD + 1, 0x00)
    ops.append([27, 0, 0])    # the root's newest child
    child(0, 0x07, 0)         # invalid options
    for _ in range(30):
        kind = r.choice([0, 3, 13, 15, 16, 22, 23, 24, 25, 26, 27, 29, 30, 31, 19, 12, 18])
        sel = r.choice([0, 0, CHILD + 0, CHILD + 1, CHILD + 2, CHILD + 3])
        o = op(r, 1, kind)
        o[1] = sel
        ops.append(o)
    ops.append([20, 0, 0])    # destroy and re-create the root: the whole tree ends
    return hdr + [b for o in ops for b in o]

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
    for t in range(7):          # one tree per top-level arena type
        write("seed-life-type%d" % t, life_script(random.Random(2000 + t), t))
    for s in range(16):         # mixed programs, lifetimes operations included
        r = random.Random(3000 + s)
        n = 1 + s % 3
        data = [n - 1]
        for _ in range(n):
            data += [r.randrange(7), r.randrange(256), r.randrange(256), r.randrange(40, 256)]
        for _ in range(60 + r.randrange(80)):
            o = op(r, n, r.randrange(32))
            if r.randrange(3) == 0:
                o[1] = CHILD + r.randrange(6)
            data += o
        write("seed-lifemix%02d" % s, data)

def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes(b & 0xFF for b in data))

if __name__ == "__main__":
    main()
