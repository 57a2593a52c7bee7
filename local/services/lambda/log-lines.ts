/** The Node.js runtime's text format (B41): time, request id, level, message (newlines as \r). */
const TEXT_RECORD = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t[^\t]+\t[A-Z]+\t([\s\S]*)$/;
const PLATFORM_LINE = /^(START|END|REPORT) RequestId: /;

/**
 * What a function printed, from one of its log lines as CloudWatch shows it: the message of a text record (its
 * newlines restored) or of a JSON record (a string as itself, anything else as JSON); undefined for the platform's
 * START, END and REPORT lines. A line in neither format (a raw `process.stdout.write`) is its own message.
 */
export function printedMessage(line: string): string | undefined {
    if (PLATFORM_LINE.test(line)) return undefined;
    const text = TEXT_RECORD.exec(line);
    if (text) return text[1].replace(/\r/g, "\n");
    if (line.startsWith('{"timestamp":')) {
        try {
            const record = JSON.parse(line) as { message?: unknown };
            return typeof record.message === "string" ? record.message : JSON.stringify(record.message);
        } catch {
            return line;
        }
    }
    return line;
}
