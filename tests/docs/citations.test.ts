import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";

// Code and tests cite the behaviour reference ("B7"), the security checklist ("I4", "S1–S3") and the IAM
// reference ("P3") that live in docs/. This test keeps the citations honest: every cited id must be defined there, and the definitions must be
// well formed. docs/README.md describes the citation rules that the extraction below implements.

const ROOT = path.resolve(__dirname, "..", "..");
const DEFINITION_FILES = { behaviour: "docs/aws-behaviour.md", checklist: "docs/security-checklist.md", iam: "docs/iam.md" } as const;
const SCANNED_EXTENSIONS = new Set([".ts", ".js", ".mjs", ".md"]);
/** Skipped wherever they appear. */
const SKIPPED_NAMES = new Set(["node_modules", ".git", ".local"]);
/** Skipped relative to the repository root: docs/ defines the ids, the benchmark report only quotes them. */
const SKIPPED_PATHS = new Set(["docs", "BENCHMARKS.md"]);

/** An item is defined by a line starting with `- **B7**`. */
const DEFINITION = /^- \*\*([A-Z]\d{1,2})\*\*/;
/** One id: B1–B99, or a checklist or IAM id of one digit. */
const ID = String.raw`(?:B\d{1,2}|[ILADSP]\d)`;
/** An id, or a range of two ids joined by an en dash or a hyphen. */
const CITATION = new RegExp(String.raw`\b(${ID})(?:\s?[–-]\s?(${ID}))?\b`, "g");
const WHOLE_CITATION = new RegExp(String.raw`^${ID}(?:\s?[–-]\s?${ID})?$`);
/** Separators between the entries of a parenthesised list of ids. */
const LIST_SEPARATOR = /\s*(?:,|;|\/|\band\b|\bor\b)\s*/;
/** Runs of percent-encoded bytes, such as `%C3%A9`: ids inside them are bytes, not citations. */
const PERCENT_ENCODED = /(?:%[0-9A-Fa-f]{2})+/g;

interface Definition {
    id: string;
    file: string;
    line: number;
    /** The item's text, continuation lines included. */
    text: string;
}

interface Citation {
    id: string;
    line: number;
}

interface SourceFile {
    /** Relative to the repository root, with forward slashes. */
    path: string;
    text: string;
}

function parseDefinitions(markdown: string, file: string): Definition[] {
    const definitions: Definition[] = [];
    let current: Definition | undefined;
    markdown.split("\n").forEach((line, index) => {
        const match = DEFINITION.exec(line);
        if (match) {
            current = { id: match[1], file, line: index + 1, text: line };
            definitions.push(current);
        } else if (current && /^\s+\S/.test(line)) {
            current.text += `\n${line}`;
        } else {
            current = undefined;
        }
    });
    return definitions;
}

function prefixAndNumber(id: string): [string, number] {
    return [id[0], Number(id.slice(1))];
}

/** Every id a range cites; a range across prefixes, or a reversed one, is kept whole so that it cannot resolve. */
function expandRange(first: string, last: string): string[] {
    const [prefix, from] = prefixAndNumber(first);
    const [lastPrefix, to] = prefixAndNumber(last);
    if (prefix !== lastPrefix) return [first, last];
    if (from > to) return [`${first}–${last}`];
    return Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);
}

/** Whether `index` lies inside a parenthesised list of two or more ids or ranges, such as `(S3, S4)`. */
function insideIdList(line: string, index: number): boolean {
    const open = line.lastIndexOf("(", index);
    const close = line.indexOf(")", index);
    if (open < 0 || close < 0 || line.slice(open + 1, index).includes(")")) return false;
    const entries = line
        .slice(open + 1, close)
        .trim()
        .split(LIST_SEPARATOR);
    return entries.length >= 2 && entries.every((entry) => WHOLE_CITATION.test(entry));
}

/** The ids a text cites, by line, following docs/README.md. */
function extractCitations(text: string): Citation[] {
    const citations: Citation[] = [];
    text.split("\n").forEach((line, index) => {
        const encoded = [...line.matchAll(PERCENT_ENCODED)].map((m) => [m.index, m.index + m[0].length]);
        for (const match of line.matchAll(CITATION)) {
            const at = match.index;
            if (encoded.some(([start, end]) => at >= start && at < end)) continue;
            const [, first, last] = match;
            if (last === undefined && first === "S3" && !insideIdList(line, at)) continue;
            const ids = last === undefined ? [first] : expandRange(first, last);
            citations.push(...ids.map((id) => ({ id, line: index + 1 })));
        }
    });
    return citations;
}

function unresolvedCitations(files: SourceFile[], defined: ReadonlySet<string>): string[] {
    return files.flatMap((file) =>
        extractCitations(file.text)
            .filter((citation) => !defined.has(citation.id))
            .map((citation) => `${file.path}:${citation.line} cites ${citation.id}, which docs/ does not define`),
    );
}

function scannedFiles(dir = ROOT): SourceFile[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const absolute = path.join(dir, entry.name);
        const relative = path.relative(ROOT, absolute).split(path.sep).join("/");
        // This file's own samples cite undefined ids on purpose.
        if (SKIPPED_NAMES.has(entry.name) || SKIPPED_PATHS.has(relative) || absolute === __filename) return [];
        if (entry.isDirectory()) return scannedFiles(absolute);
        if (!entry.isFile() || !SCANNED_EXTENSIONS.has(path.extname(entry.name))) return [];
        return [{ path: relative, text: fs.readFileSync(absolute, "utf8") }];
    });
}

function readDefinitions(file: string): Definition[] {
    return parseDefinitions(fs.readFileSync(path.join(ROOT, file), "utf8"), file);
}

const ids = (citations: Citation[]) => citations.map((citation) => citation.id);

describe("docs citations", () => {
    const behaviour = readDefinitions(DEFINITION_FILES.behaviour);
    const checklist = readDefinitions(DEFINITION_FILES.checklist);
    const iam = readDefinitions(DEFINITION_FILES.iam);
    const definitions = [...behaviour, ...checklist, ...iam];

    describe("citation extraction", () => {
        it("reads a parenthesised list of ids, the lone S3 included", () => {
            expect(ids(extractCitations("wires one notification (S5, B26)"))).to.deep.equal(["S5", "B26"]);
            expect(ids(extractCitations("private and encrypted (S3, S4)"))).to.deep.equal(["S3", "S4"]);
        });

        it("expands ranges written with an en dash or a hyphen", () => {
            expect(ids(extractCitations("S1–S4"))).to.deep.equal(["S1", "S2", "S3", "S4"]);
            expect(ids(extractCitations("B1–B4"))).to.deep.equal(["B1", "B2", "B3", "B4"]);
            expect(ids(extractCitations("see B20-B22"))).to.deep.equal(["B20", "B21", "B22"]);
            expect(ids(extractCitations("S2-S3"))).to.deep.equal(["S2", "S3"]);
        });

        it("takes the lone S3 for the service outside a range or an id list", () => {
            expect(ids(extractCitations("the S3-triggered fan-out"))).to.deep.equal([]);
            expect(ids(extractCitations("S3 allows one notification per bucket (S3)"))).to.deep.equal([]);
            expect(ids(extractCitations("L1 (S3), L4"))).to.deep.equal(["L1", "L4"]);
            expect(ids(extractCitations("(S3 allows one per bucket)"))).to.deep.equal([]);
        });

        it("ignores ids inside percent-encoded bytes", () => {
            expect(ids(extractCitations('"photos/red+flower%C3%A9.jpg"'))).to.deep.equal([]);
            expect(ids(extractCitations('decode("%E6%97%A5%E6%9C%AC.txt"), "broken%E0%A4%A.txt"'))).to.deep.equal([]);
        });

        it("ignores ids glued to other words or digits", () => {
            expect(ids(extractCitations("S3RVER IAM.1 B123 SHA256 0xD4 aws:s3 x-A4"))).to.deep.equal(["A4"]);
        });

        it("keeps undefined, cross-prefix and reversed citations so they fail to resolve", () => {
            expect(ids(extractCitations("B99"))).to.deep.equal(["B99"]);
            expect(ids(extractCitations("I4-L1"))).to.deep.equal(["I4", "L1"]);
            expect(ids(extractCitations("B7–B5"))).to.deep.equal(["B7–B5"]);
        });

        it("reports each unresolved citation with its file and line", () => {
            const files = [{ path: "sample.ts", text: "// B1\n// B99 and (S3, S9)\n" }];
            expect(unresolvedCitations(files, new Set(["B1", "S3"]))).to.deep.equal([
                "sample.ts:2 cites B99, which docs/ does not define",
                "sample.ts:2 cites S9, which docs/ does not define",
            ]);
        });
    });

    describe("definitions", () => {
        it("parse from every document, each with its own prefixes", () => {
            expect(new Set(behaviour.map((d) => d.id[0]))).to.deep.equal(new Set(["B"]));
            expect(new Set(checklist.map((d) => d.id[0]))).to.deep.equal(new Set(["I", "L", "A", "D", "S"]));
            expect(iam.map((d) => d.id)).to.deep.equal(["P1", "P2", "P3", "P4", "P5", "P6"]);
            expect(behaviour.length).to.be.greaterThan(27);
        });

        it("are unique", () => {
            const seen = new Map<string, Definition>();
            const duplicates = definitions.flatMap((definition) => {
                const earlier = seen.get(definition.id);
                seen.set(definition.id, definition);
                const where = (d: Definition) => `${d.file}:${d.line}`;
                return earlier ? [`${definition.id}: ${where(earlier)} and ${where(definition)}`] : [];
            });
            expect(duplicates).to.deep.equal([]);
        });

        it("are numbered without gaps within each prefix", () => {
            const byPrefix = new Map<string, number[]>();
            for (const definition of definitions) {
                const [prefix, n] = prefixAndNumber(definition.id);
                byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), n]);
            }
            for (const [prefix, numbers] of byPrefix) {
                const sorted = [...numbers].sort((a, b) => a - b);
                expect(sorted, `${prefix} ids`).to.deep.equal(sorted.map((_, i) => i + 1));
            }
        });

        it("each end with a source link", () => {
            const unsourced = definitions.filter((d) => !/\bSource:.*\]\(https:\/\/[^)\s]+\)/s.test(d.text));
            expect(unsourced.map((d) => `${d.file}:${d.line} (${d.id})`)).to.deep.equal([]);
        });
    });

    it("every id cited in the repository is defined in docs/", () => {
        const problems = unresolvedCitations(scannedFiles(), new Set(definitions.map((d) => d.id)));
        if (problems.length > 0) expect.fail(`\n${problems.join("\n")}`);
    });
});
