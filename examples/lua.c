/*
 * lua.c -- Lua 5.4 on an arena: a state per request, and a long-lived one.
 *
 * Lua takes one allocation function with a context pointer,
 * lua_Alloc(ud, ptr, osize, nsize), given to lua_newstate.  Its garbage
 * collector frees as the script goes, so the recommended wiring is a heap:
 * lua_newstate(arena_lua_alloc, heap).  A script builds and discards
 * records, strings, sorted arrays and maps, round after round.
 *
 *   request  a state per request, in a heap in the request's arena: the
 *            state is closed (its finalizers run), then the arena is reset.
 *            The other wiring (--alt, "bump") serves such a state from the
 *            plain arena (Lua passes the old size, so arena_realloc needs no
 *            header): nothing the collector frees is reused until the reset.
 *   long     one state for every round, in a heap in an arena of its own:
 *            memory stays bounded by what the script keeps alive, because
 *            the heap reuses what the collector frees.
 *
 * lua_newstate sets no panic function (luaL_newstate does): set one.
 */
#include "example.h"

#include <arena.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>

/* ---- the wiring ------------------------------------------------------------ */

/* The plain arena as a lua_Alloc (--alt).  Lua's osize is the old size
 * when ptr is not NULL (else the kind of object being made). */
static void *bump_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    arena_t *a = ud;
    if (nsize == 0) {
        arena_pop(a, ptr, osize); /* gives back the newest allocation only */
        return NULL;
    }
    return arena_realloc(a, ptr, ptr != NULL ? osize : 0, nsize);
}

static int panic(lua_State *L)
{
    fprintf(stderr, "lua: unprotected error: %s\n", lua_tostring(L, -1));
    return 0; /* Lua aborts */
}

/* ---- the work ---------------------------------------------------------------- */

static const char script[] =
    "local words = {'alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel',\n"
    "  'india', 'juliet', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa'}\n"
    "local function record(i)\n"
    "  local w = words[i % #words + 1]\n"
    "  return {id = i, name = w .. '-' .. i, score = (i * 7919) % 1000,\n"
    "          tags = {words[(i * 7) % #words + 1], words[(i * 13) % #words + 1]},\n"
    "          note = string.rep(w, 1 + i % 5, ' ')}\n"
    "end\n"
    "function round(n, salt)\n"
    "  math.randomseed(salt)\n"
    "  local t = {}\n"
    "  for i = 1, n do t[i] = record(i + salt * 7 + math.random(0, 3)) end\n"
    "  table.sort(t, function(a, b)\n"
    "    if a.score ~= b.score then return a.score < b.score end\n"
    "    return a.id < b.id end)\n"
    "  local parts = {}\n"
    "  for i = 1, #t, 5 do\n"
    "    local r = t[i]\n"
    "    parts[#parts + 1] = string.format('%s:%d:%s', r.name, r.score, table.concat(r.tags, "
    "'+'))\n"
    "  end\n"
    "  local s = table.concat(parts, ',')\n"
    "  local count = 0\n"
    "  for _ in s:gmatch('[a-z]+%-%d+') do count = count + 1 end\n"
    "  local g, subs = s:gsub('(%d+)', function(d) return '<' .. #d .. '>' end)\n"
    "  local m, kept = {}, 0\n"
    "  for i = 1, n do m[t[i].name] = t[i] end\n"
    "  for i = 1, n, 2 do m[t[i].name] = nil end\n"
    "  for _, r in pairs(m) do kept = kept + r.score end\n"
    "  local up = {}\n"
    "  for i = 1, #t, 3 do up[#up + 1] = t[i].note:upper():sub(1, 12) end\n"
    "  return string.format('%d %d %d %d %d %s %s', #s, count, subs, kept, #up,\n"
    "    g:sub(1, 48), table.concat(up, '/', 1, math.min(#up, 4)))\n"
    "end\n";

static size_t per_round;

static int prepare(const ex_cfg_t *c)
{
    per_round = (size_t)(c->scale * 20000);
    if (per_round < 100)
        per_round = 100;
    return 0;
}

static void finish(void)
{
}

/* A state with the standard libraries and the script loaded. */
static lua_State *open_state(lua_State *L)
{
    if (L == NULL)
        return NULL;
    lua_atpanic(L, panic);
    luaL_openlibs(L);
    if (luaL_dostring(L, script) != LUA_OK) {
        fprintf(stderr, "lua: %s\n", lua_tostring(L, -1));
        lua_close(L);
        return NULL;
    }
    return L;
}

static int call_round(lua_State *L, unsigned salt, uint64_t *h)
{
    lua_getglobal(L, "round");
    lua_pushinteger(L, (lua_Integer)per_round);
    lua_pushinteger(L, (lua_Integer)salt);
    if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
        fprintf(stderr, "lua: %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    *h = ex_hash_str(*h, lua_tostring(L, -1));
    lua_pop(L, 1);
    return 0;
}

static int run(const ex_cfg_t *c, uint64_t *digest)
{
    int longlived = !strcmp(c->mode, "long");
    const unsigned rounds_per_state = 2;
    uint64_t h = EX_SEED;
    int rc = 0;
    arena_t *a = NULL;
    if (c->alloc != EX_MALLOC) {
        a = arena_create(0);
        if (a == NULL)
            return -1;
    }
    lua_State *L = NULL;
    for (unsigned r = 0; r < c->requests && rc == 0; r++) {
        if (L == NULL) {
            if (c->alloc == EX_MALLOC) {
                L = open_state(luaL_newstate());
            } else if (c->alloc == EX_ALT) {
                L = open_state(lua_newstate(bump_alloc, a));
            } else {
                arena_heap_t *heap = arena_heap_create(a);
                L = heap != NULL ? open_state(lua_newstate(arena_lua_alloc, heap)) : NULL;
            }
            if (L == NULL) {
                rc = -1;
                break;
            }
        }
        for (unsigned k = 0; k < rounds_per_state && rc == 0; k++)
            rc = call_round(L, r * rounds_per_state + k, &h);
        if (!longlived || r + 1 == c->requests || rc != 0) {
            lua_close(L); /* finalizers run; the frees go to the heap */
            L = NULL;
            if (a != NULL)
                arena_reset(a); /* the heap ends with the state */
        }
    }
    arena_destroy(a);
    if (rc != 0)
        return -1;
    ex_put(c, "%u %s, %u rounds of %zu records", c->requests,
           longlived ? "requests on one state" : "states", c->requests * rounds_per_state,
           per_round);
    *digest = h;
    return 0;
}

const ex_prog_t ex_lua = {"lua", "request long", "bump", "request", 4, prepare, run, finish};

#ifndef EX_NO_MAIN
int main(int argc, char **argv)
{
    return ex_main(argc, argv, &ex_lua);
}
#endif
