#!/usr/bin/env python3
"""Regenerates fuzz/corpus/<target>/ from the repository's own test data.

Seeds come from src/**/testdata (recorded upstream transcripts and Google error bodies), the JSON raw strings
of the unit tests (requests, responses, schemas, catalogs) and a few hand-written edge cases (SSE line endings,
media magic numbers). Run from anywhere; it replaces the seed files it owns (named seed-*) and leaves files
libFuzzer added (named by their SHA-1) alone.
"""
import hashlib
import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
CORPUS = ROOT / "fuzz" / "corpus"

RAW = re.compile(r'R"([A-Za-z_]*)\((.*?)\)\1"', re.S)


def raw_strings(path):
    return [m.group(2) for m in RAW.finditer(path.read_text(encoding="utf-8"))]


def json_values(paths):
    for p in paths:
        for s in raw_strings(p):
            try:
                yield p, s, json.loads(s)
            except ValueError:
                pass


def sse_files():
    return sorted(SRC.glob("**/testdata/*.sse"))


class Seeds:
    def __init__(self, target):
        self.dir = CORPUS / target
        self.dir.mkdir(parents=True, exist_ok=True)
        for old in self.dir.glob("seed-*"):
            old.unlink()
        self.seen = set()
        self.count = 0

    def add(self, data, label):
        if isinstance(data, str):
            data = data.encode("utf-8")
        digest = hashlib.sha1(data).hexdigest()
        if digest in self.seen:
            return
        self.seen.add(digest)
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", label)[:60]
        (self.dir / f"seed-{safe}-{digest[:8]}").write_bytes(data)
        self.count += 1


def compact(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def stream_seeds(target):
    s = Seeds(target)
    for f in sse_files():
        s.add(f.read_bytes(), f.parent.parent.name + "-" + f.stem)
    return s


def sse_data_lines():
    for f in sse_files():
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.startswith("data:"):
                yield f, line[5:].strip()


def main():
    made = []

    # SSE parser: transcripts plus line-ending and field edge cases.
    s = stream_seeds("sse_parser")
    for label, text in {
        "crlf": "event: a\r\ndata: x\r\ndata: y\r\nid: 1\r\n\r\n",
        "cr": "data: x\rdata:y\r\r:comment\r",
        "bom": "\ufeffdata: first\n\n",
        "fields": "retry: 10\nunknown: v\n: c\nevent:e\ndata\ndata:\n\nid\n\n",
        "partial": "data: {\"a\":1}\n\ndata: tail",
        "empty_lines": "\n\n\r\n\r\r\n",
    }.items():
        s.add(text, label)
    made.append(s)

    for t in ("openai_stream", "anthropic_stream", "gemini_stream"):
        made.append(stream_seeds(t))

    # Requests: the unit tests' request bodies, by dialect.
    s = Seeds("openai_request")
    for p, text, v in json_values(sorted((SRC / "translate/openai").glob("*_test.cpp"))):
        if isinstance(v, dict) and "messages" in v:
            s.add(text, p.stem)
    made.append(s)
    s = Seeds("anthropic_request")
    for p, text, v in json_values(sorted((SRC / "translate/anthropic").glob("*_test.cpp"))):
        if isinstance(v, dict) and ("messages" in v or "max_tokens" in v):
            s.add(text, p.stem)
    # The request tests build most bodies from fragments (a messages array, or extra fields): wrap them.
    hi = [{"role": "user", "content": "hi"}]
    for p in sorted((SRC / "translate/anthropic").glob("*_test.cpp")):
        for text in raw_strings(p):
            try:
                v = json.loads(text)
            except ValueError:
                v = None
            if isinstance(v, list) and v and all(isinstance(m, dict) and "role" in m for m in v):
                s.add(compact({"model": "gemini-2.5-pro", "max_tokens": 1000, "messages": v}), p.stem + "-messages")
                continue
            try:
                extra = json.loads("{" + text + "}")
            except ValueError:
                continue
            if isinstance(extra, dict) and extra:
                s.add(compact({"model": "gemini-2.5-pro", "max_tokens": 1000, "messages": hi, **extra}),
                      p.stem + "-fields")
    made.append(s)
    s = Seeds("gemini_request")
    for p, text, v in json_values(sorted((SRC / "translate/gemini").glob("*_test.cpp")) +
                                  sorted((SRC / "translate/common").glob("repair_test.cpp"))):
        if isinstance(v, dict) and ({"contents", "generateContentRequest", "systemInstruction",
                                     "system_instruction"} & v.keys()):
            s.add(text, p.stem)
    made.append(s)

    # Schemas: the schema tests, and every tool schema of the request seeds.
    s = Seeds("clean_schema")
    for p, text, v in json_values(sorted((SRC / "translate/common").glob("schema_test.cpp"))):
        if isinstance(v, (dict, list, bool)):
            s.add(text, p.stem)
    for p, _, v in json_values(sorted((SRC / "translate").glob("*/request_test.cpp"))):
        if not isinstance(v, dict):
            continue
        for tool in v.get("tools", []) if isinstance(v.get("tools"), list) else []:
            if not isinstance(tool, dict):
                continue
            fn = tool.get("function") if isinstance(tool.get("function"), dict) else tool
            for key in ("parameters", "input_schema"):
                if key in fn:
                    s.add(compact(fn[key]), p.parent.name + "-tool")
    made.append(s)

    # Non-stream answers: every envelope of the transcripts, and the response tests' bodies.
    for t in ("openai_response", "anthropic_response"):
        s = Seeds(t)
        for f, data in sse_data_lines():
            if data.startswith("{"):
                s.add(data, f.stem)
        for p, text, v in json_values(sorted((SRC / "translate").glob("*/response_test.cpp"))):
            if isinstance(v, dict) and ("candidates" in v or "response" in v or "promptFeedback" in v):
                s.add(text, p.stem)
        made.append(s)

    # Google errors: the recorded bodies, the classifier tests' bodies and in-stream error events.
    s = Seeds("google_error")
    for f in sorted((SRC / "upstream/proto/testdata").iterdir()):
        s.add(f.read_bytes(), f.stem)
    for p, text, v in json_values([SRC / "upstream/proto/google_error_test.cpp"]):
        s.add(text, p.stem)
    for f, data in sse_data_lines():
        if '"error"' in data:
            s.add(data, f.stem)
    for d in ("0.539477544s", "5h59m59.96s", "539.477544ms", "1m30s", "2025-12-03T07:45:40Z",
              "2025-12-03T07:45:40.123+05:30"):
        s.add(d, "field")
    made.append(s)

    # Model names: the grammar tests' names; some with an operator catalog and a request to apply to.
    s = Seeds("model_name")
    names = set()
    for p in (SRC / "models/model_name_test.cpp", SRC / "models/catalog_test.cpp"):
        for m in re.finditer(r'"((?:models/|anti-|gemini|假流式|流式抗截断|claude)[^"\\\s]*)"', p.read_text("utf-8")):
            names.add(m.group(1))
    for n in sorted(names):
        s.add(n, "name")
    catalogs = [compact(v) for _, _, v in json_values([SRC / "models/catalog_test.cpp"]) if isinstance(v, list)]
    requests = [compact(v) for _, _, v in json_values([SRC / "models/model_name_test.cpp"])
                if isinstance(v, dict) and ("contents" in v or "generationConfig" in v)]
    for i, n in enumerate(sorted(names)):
        cat = catalogs[i % len(catalogs)] if catalogs and i % 3 == 0 else ""
        req = requests[i % len(requests)] if requests and i % 2 == 0 else ""
        if cat or req:
            s.add(f"{n}\n{cat}\n{req}", "with-config")
    made.append(s)

    # Media: the magic numbers sniff_mime documents, each as a minimal file head.
    s = Seeds("sniff_mime")

    def box(kind, payload=b""):
        return (8 + len(payload)).to_bytes(4, "big") + kind + payload

    def ftyp(major, *compat):
        return box(b"ftyp", major + b"\0\0\0\0" + b"".join(compat))

    mp3_frame = b"\xff\xfb\x90\x64" + b"\0" * 413
    for label, data in {
        "png": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
        "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\0",
        "gif": b"GIF89a\x01\x00\x01\x00",
        "webp": b"RIFF\x24\0\0\0WEBPVP8 ",
        "wav": b"RIFF\x24\0\0\0WAVEfmt ",
        "heic": ftyp(b"heic", b"mif1", b"heic"),
        "heif": ftyp(b"mif1", b"mif1"),
        "avif": ftyp(b"avif", b"mif1", b"avif"),
        "mp4": ftyp(b"isom", b"isom", b"mp41"),
        "m4a": ftyp(b"M4A ", b"M4A ", b"isom"),
        "qt": ftyp(b"qt  ", b"qt  "),
        "moov": box(b"moov", box(b"mvhd")),
        "id3": b"ID3\x04\0\0\0\0\0\x0a" + b"\0" * 10 + mp3_frame,
        "mp3": mp3_frame * 2,
        "adts": b"\xff\xf1\x50\x80\x02\x1f\xfc" * 3,
        "adif": b"ADIF\0\0\0\0",
        "ogg": b"OggS\0\x02" + b"\0" * 22 + b"\x01vorbis",
        "theora": b"OggS\0\x02" + b"\0" * 22 + b"\x80theora",
        "flac": b"fLaC\0\0\0\x22",
        "webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm",
        "mkv": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska",
        "mpeg_ps": b"\x00\x00\x01\xba\x44\x00\x04\x00\x04\x01",
        "mpeg_es": b"\x00\x00\x01\xb3\x14\x00\xf0\x13",
        "mpeg_ts": (b"\x47\x40\x00\x10" + b"\xff" * 184) * 3,
        "pdf": b"%PDF-1.7\n",
    }.items():
        s.add(data, label)
    made.append(s)

    for s in made:
        print(f"{s.dir.relative_to(ROOT)}: {s.count} seeds")
    write_dictionaries([s.dir for s in made])


# Tokens a byte-level mutator rarely invents: numbers at the edges of int64/double, JSON escapes, SSE fields.
GENERIC = ["1e300", "-1e300", "1e-300", "1e400", "-0", "0.5", "-1", "9223372036854775807", "9223372036854775808",
           "-9223372036854775808", "18446744073709551615", "18446744073709551616", "4294967296", "2147483648",
           "null", "true", "false", "{}", "[]", '""', "\\u0000", "\\ud800", "\\udc00", "\\\"", "\U0001F600", "\ufeff", b"\xc3",
           b"\xff", "\r\n", "\n\n"]
SSE = ["data:", "data: ", "event:", "id:", "retry:", ":", "\r", "\r\n", "\n"]


def escape(token):
    out = []
    for b in token if isinstance(token, bytes) else token.encode("utf-8"):
        c = chr(b)
        if c == '"' or c == "\\":
            out.append("\\" + c)
        elif 32 <= b < 127:
            out.append(c)
        else:
            out.append(f"\\x{b:02x}")
    return '"' + "".join(out) + '"'


def json_tokens(v, keys, strings):
    if isinstance(v, dict):
        for k, x in v.items():
            keys.add(k)
            json_tokens(x, keys, strings)
    elif isinstance(v, list):
        for x in v:
            json_tokens(x, keys, strings)
    elif isinstance(v, str) and 0 < len(v) <= 32 and "\n" not in v:
        strings.add(v)


def write_dictionaries(dirs):
    """fuzz/dict/<target>.dict: the JSON keys and short string values of the seeds, plus generic tokens."""
    dict_dir = ROOT / "fuzz" / "dict"
    dict_dir.mkdir(exist_ok=True)
    for d in dirs:
        if d.name == "sniff_mime":
            continue
        keys, strings = set(), set()
        for f in d.glob("seed-*"):
            text = f.read_text("utf-8", errors="replace")
            docs = [text]
            if d.name.endswith("_stream") or d.name == "sse_parser":
                docs = [l[5:].strip() for l in text.splitlines() if l.startswith("data:")]
            elif d.name == "model_name":
                docs = text.split("\n")[1:]
                strings.update(p for p in re.split(r"[-()/\n]", text.split("\n")[0]) if p)
            for doc in docs:
                try:
                    json_tokens(json.loads(doc), keys, strings)
                except ValueError:
                    pass
        tokens = [f'"{k}":' for k in sorted(keys)] + [f'"{v}"' for v in sorted(strings)][:400] + GENERIC
        if d.name.endswith("_stream") or d.name == "sse_parser":
            tokens += SSE
        lines = [f"# generated by fuzz/seed_corpus.py from fuzz/corpus/{d.name}"]
        lines += [escape(t) for t in dict.fromkeys(tokens) if len(t) <= 64]
        (dict_dir / f"{d.name}.dict").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"fuzz/dict/{d.name}.dict: {len(lines) - 1} tokens")


if __name__ == "__main__":
    main()
