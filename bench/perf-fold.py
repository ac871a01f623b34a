#!/usr/bin/env python3
"""Sample shares per component from `perf script -F comm,tid,time,ip,sym,dso` (cpu-clock, -g) of the hub.

Usage: python3 bench/perf-fold.py hub.txt   (see bench/README.md, "Where the hub's CPU goes").

Each sample goes to exactly one category (exclusive): the frame nearest the leaf that belongs to a component decides;
frames of the BCL, libcoreclr, libc and the kernel are transparent (their time goes to the component that called them).
A few components are split by what is further up the stack (MimeKit building vs MailKit writing the message, JSON and
SHA-256 under the ledger). Inclusive: share of samples with the component anywhere on the stack."""
import re, sys, collections

def samples(path):
    comm = None; frames = []
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        if not line:
            if comm is not None:
                yield comm, frames
            comm = None; frames = []
            continue
        if not line[0].isspace():
            m = re.match(r"(.*?)\s+(\d+)\s+[\d.]+:", line)
            comm = m.group(1) if m else line
            continue
        m = re.match(r"\s*[0-9a-f]+\s+(.*)\s+\((.*)\)$", line)
        if m:
            frames.append((m.group(1), m.group(2)))
    if comm is not None:
        yield comm, frames

SQLITE_PREPARE = re.compile(r"^(sqlite3RunParser|sqlite3GetToken|yy_|keywordCode|resolve|sqlite3Resolve|sqlite3Walk|sqlite3Expr|expr|sqlite3Where|where|sqlite3VdbeAdd|sqlite3VdbeChange|sqlite3VdbeAppend|sqlite3VdbeJump|sqlite3VdbeResolve|sqlite3VdbeSet|addOp|vdbeChangeP4|growOpArray|sqlite3Select|select|sqlite3Insert|sqlite3Update|sqlite3Delete[A-Z]|sqlite3Generate|sqlite3CompleteInsertion|sqlite3OpenTable|sqlite3LocateTable|sqlite3FindTable|sqlite3FindCollSeq|sqlite3StrICmp|sqlite3_stricmp|sqlite3StrIHash|findElementWithHash|sqlite3ColumnIndex|sqlite3KeyInfo|sqlite3Fk|fk|sqlite3CodeRowTrigger|sqlite3Trigger|triggers|sqlite3AddReturning|sqlite3Pragma|pragma|sqlite3Prepare|sqlite3LockAndPrepare|sqlite3Dequote|sqlite3NameFromToken|sqlite3SrcList|sqlite3IdList|sqlite3ParserInit|sqlite3FinishCoding|sqlite3BeginWriteOperation|sqlite3CodeVerify|sqlite3GetTempReg|sqlite3TableColumn|sqlite3IndexAffinity|sqlite3BinaryCompareCollSeq|sqlite3ColumnType|sqlite3ColumnDefault|columnType|columnName|codeInteger|codeCompare|codeOffset|checkConstraint|autoIncBegin|tokenExpr|sqlite3VdbeMakeReady|resolveP2Values|vdbeFreeOpArray|freeP4|sqlite3VdbeDelete|clearSelect|exprList|sqlite3DbStrNDup|sqlite3VListNameToNum|sqlite3UniqueConstraint|sqlite3HaltConstraint|setPragma|returnSingleInt|sqlite3GenerateColumnNames|sqlite3SelectPrep|sqlite3Init|sqlite3DbNameToBtree|sqlite3VdbeCreate|sqlite3VdbeSetNumCols|sqlite3VdbeSetP4KeyInfo)")
SQLITE_MEM = re.compile(r"^(sqlite3DbMalloc|sqlite3DbFree|sqlite3DbNNFree|sqlite3DbRealloc|sqlite3Malloc|sqlite3MemSize|sqlite3DbMallocSize|sqlite3_free|sqlite3_malloc|pthreadMutex|sqlite3_mutex|dbReallocFinish|sqlite3MallocSize|\[unknown\]|int32|int64|instance|native|uint8)")

HUB_GROUPS = [
    ("ledger", ("IntegrationHub.Evidence.Ledger",)),
    ("composition", ("ConvocationComposer", "DeliveryContentLoader", "IntegrationHub.Text.", "MemberLinks", "EmailMessageBuilder", "MailingComposer", "MessageIdentity")),
    ("email channel", ("IntegrationHub.Connectors.Email",)),
    ("twilio channel", ("IntegrationHub.Connectors.Twilio",)),
    ("HubDatabase, type handlers", ("IntegrationHub.Persistence",)),
    ("dispatch", ("IntegrationHub.Dispatch",)),
    ("api endpoints", ("Endpoints", "IntegrationHub.Api", "IntegrationHub.Security")),
]

def frame_component(sym, dso):
    """The component a frame belongs to, or None for transparent frames (BCL, runtime, libc, kernel)."""
    if "libclrjit" in dso: return "jit"
    if "e_sqlite3" in dso:
        name = sym.split("(")[0].strip()
        if SQLITE_PREPARE.match(name): return "sqlite native: parse/plan/codegen (prepare)"
        if SQLITE_MEM.match(name): return "sqlite native: memory, mutex, unresolved"
        return "sqlite native: execute (VDBE, B-tree, pager, WAL)"
    if "libcrypto" in dso: return "libcrypto"
    m = re.search(r"\[([A-Za-z][A-Za-z0-9_.]*)\] ", sym)
    if not m:
        return None
    asm = m.group(1)
    if asm.startswith("SQLitePCLRaw"):
        return "SQLitePCLRaw: P/Invoke transitions, UTF-8 conversions (SQL text, parameter names)"
    if asm.startswith("Microsoft.Data.Sqlite"):
        if "Open" in sym and "SqliteConnection" in sym: return "Microsoft.Data.Sqlite: open"
        if "GetStatements" in sym or "PrepareAndEnumerate" in sym or "sqlite3_prepare" in sym: return "Microsoft.Data.Sqlite: prepare"
        if "Bind" in sym or "FindPrefixedParameter" in sym: return "Microsoft.Data.Sqlite: parameter binding (name look-ups)"
        if any(k in sym for k in ("SqliteDataRecord", "SqliteValueReader", "SqliteDataReader::get_", "GetName", "GetOrdinal")): return "Microsoft.Data.Sqlite: reading columns"
        return "Microsoft.Data.Sqlite: commands, readers (other)"
    for key, name in (("Dapper", "Dapper"), ("MimeKit", "MimeKit"), ("MailKit", "MailKit"), ("Ical.Net", "Ical.Net"), ("NodaTime", "Ical.Net"),
                      ("Hangfire", "Hangfire"), ("Microsoft.Extensions.Logging", "logging"), ("Microsoft.AspNetCore", "ASP.NET Core / Kestrel"),
                      ("System.Net.Http", "HttpClient"), ("System.Text.Json", "System.Text.Json"), ("Npgsql", "Npgsql"),
                      ("System.Net.Sockets", "sockets"), ("Microsoft.Graph", "Graph SDK"), ("Microsoft.Kiota", "Graph SDK")):
        if asm.startswith(key): return name
    if asm.startswith("IntegrationHub") or asm.startswith("Anonymously Hosted"):
        if "Dapper" in sym or "Deserialize" in sym: return None if "Anonymously" in asm else "Dapper-generated row readers"
        for name, keys in HUB_GROUPS:
            if any(k in sym for k in keys): return "hub: " + name
        return "hub: other"
    return None

def category(comm, frames):
    if "Tiered Com" in comm: return "JIT: tiered-compilation thread"
    if "Server GC" in comm or "BGC" in comm: return "GC threads"
    if "Console logger" in comm: return "logging: console logger thread"
    text = "\n".join(s for s, _ in frames)
    for sym, dso in frames:
        c = frame_component(sym, dso)
        if c is None: continue
        if c == "jit": return "JIT: on a thread-pool thread (tier-0, first calls)"
        if c == "MimeKit":
            return "composition: MimeKit (building the MIME tree)" if "EmailMessageBuilder" in text else "SMTP: MimeKit (writing the message to the socket)"
        if c == "Ical.Net": return "composition: Ical.Net"
        if c in ("System.Text.Json", "libcrypto") and "IntegrationHub.Evidence.Ledger" in text:
            return "ledger: " + ("System.Text.Json (data → element)" if c == "System.Text.Json" else "SHA-256 (libcrypto)")
        if c.startswith("hub: composition"): return "composition: hub code (composer, French text, links, loader)"
        if c == "hub: ledger": return "ledger: canonical JSON, body, hex (hub code)"
        if c == "MailKit": return "SMTP: MailKit client"
        if c == "hub: email channel": return "SMTP: email channel, pool (hub code)"
        if c in ("HttpClient", "hub: twilio channel", "sockets") and "Twilio" in text: return "Twilio: HttpClient + channel"
        return c
    # No component frame: runtime work reached from the thread pool or sockets directly.
    leaf = frames[0] if frames else ("", "")
    if any(k in text for k in ("PortableThreadPool", "LowLevelLifoSemaphore", "LowLevelSpinWaiter", "WorkerThread")) and not any(k in text for k in ("MoveNext", "IThreadPoolWorkItem.Execute")):
        return "runtime: thread-pool idle/spin"
    if "SocketAsyncEngine" in text or ".NET Sockets" in comm: return "runtime: socket event loop"
    # Native chains without frame pointers (libc, SQLite) stop early: name the system call, or the libc routine.
    for sym, dso in frames:
        if "__x64_sys_" in sym:
            call = sym.split("__x64_sys_")[1].split()[0]
            if call in ("pwrite64", "pread64", "fsync", "fdatasync", "fcntl", "ftruncate", "openat", "close", "lseek", "fstat", "newfstatat", "unlink"):
                return "sqlite: file system calls (pwrite, pread, fsync, locks)"
            if call in ("sendto", "recvfrom", "sendmsg", "recvmsg", "write", "read", "epoll_wait", "epoll_ctl", "writev", "readv"):
                return "runtime: socket system calls (send, recv, epoll)"
            if call in ("futex", "sched_yield", "nanosleep", "clock_nanosleep"):
                return "runtime: thread wake-ups and waits (futex, sched_yield)"
            return "runtime: other system calls (" + call + ")"
    if leaf[1].endswith("libc.so.6") or "libc.so" in leaf[1]:
        return "runtime: libc (malloc, mutex, memcpy, str*; caller not visible)"
    return "runtime: other (async continuations, timers, unresolved)"

GROUPS = [  # the brief's components, from the categories above
    ("JIT (warm-up)", ("JIT",)),
    ("SQLite / Dapper", ("sqlite", "SQLitePCLRaw", "Microsoft.Data.Sqlite", "Dapper", "hub: HubDatabase")),
    ("message composition", ("composition",)),
    ("ledger serialisation + hash", ("ledger",)),
    ("MailKit / SMTP client", ("SMTP",)),
    ("HttpClient / Twilio", ("Twilio", "HttpClient")),
    ("Kestrel / ASP.NET Core", ("ASP.NET", "hub: api")),
    ("Hangfire", ("Hangfire",)),
    ("logging", ("logging",)),
    ("GC threads", ("GC",)),
    ("thread pool idle/spin, wake-ups, sockets loop and system calls", ("runtime: thread-pool", "runtime: socket", "sockets", "runtime: thread wake")),
    ("hub dispatch code (job, store, service)", ("hub: dispatch", "hub: other", "hub: email", "hub: twilio")),
    ("SHA-256 / HMAC (libcrypto, caller not visible: ledger, link signing, Message-IDs)", ("libcrypto",)),
    ("other", ("runtime: other", "runtime: libc", "System.Text.Json")),
]

INCL = {
    "HubDatabase.OpenAsync (open + PRAGMAs)": "HubDatabase+<OpenAsync>",
    "SqliteConnection.Open": "SqliteConnection::Open",
    "statement prepare (managed GetStatements)": "SqliteCommand+<GetStatements>",
    "EvidenceLedger.AppendAsync": "EvidenceLedger+<AppendAsync>",
    "DeliveryContentLoader.ComposeAsync": "DeliveryContentLoader+<ComposeAsync>",
    "EmailMessageBuilder.Build": "EmailMessageBuilder::Build",
    "EmailChannel.SendAsync": "EmailChannel",
    "TwilioSmsChannel": "TwilioSmsChannel",
    "DispatchService.SendAsync (the sends)": "DispatchService",
    "ConvocationEndpoints (GET sampling)": "ConvocationEndpoints",
    "DeliveryJob": "DeliveryJob",
    "Hangfire": "[Hangfire",
    "logging (any frame)": "[Microsoft.Extensions.Logging",
}

def main(path):
    total = 0; cats = collections.Counter(); incl = collections.Counter(); kernel_leaf = collections.Counter()
    for comm, frames in samples(path):
        total += 1
        c = category(comm, frames); cats[c] += 1
        text = "\n".join(s for s, _ in frames)
        for k, key in INCL.items():
            if key in text: incl[k] += 1
        if frames and "kernel.kallsyms" in frames[0][1]: kernel_leaf[c] += 1
    print(f"samples: {total}")
    print("\n| group | share | category | share | of which kernel leaf |")
    grouped = collections.OrderedDict((g, []) for g, _ in GROUPS)
    for c, v in cats.items():
        for g, keys in GROUPS:
            if any(c.startswith(k) or k in c for k in keys):
                grouped[g].append((c, v)); break
        else:
            grouped.setdefault("unclassified", []).append((c, v))
    for g, items in sorted(grouped.items(), key=lambda kv: -sum(v for _, v in kv[1])):
        s = sum(v for _, v in items)
        if not s: continue
        print(f"| **{g}** | **{100*s/total:.1f} %** | | | |")
        for c, v in sorted(items, key=lambda x: -x[1]):
            print(f"| | | {c} | {100*v/total:.1f} % | {100*kernel_leaf[c]/total:.1f} % |")
    print("\nInclusive:")
    for k, v in incl.most_common():
        print(f"  {100*v/total:5.1f} %  {k}")

if __name__ == "__main__":
    main(sys.argv[1])
