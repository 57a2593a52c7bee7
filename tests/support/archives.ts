import type { RecordedAsset, RecordedResource } from "../../local/record/record-program";

/** A function archive's entries and total bytes (string assets by length; anything else counts as unbounded). */
export function archiveSummary(fn: RecordedResource): { entries: string[]; bytes: number } {
    const assets = (fn.inputs.code as RecordedAsset | null)?.archive?.assets ?? {};
    let bytes = 0;
    for (const entry of Object.values(assets)) {
        const text = entry.asset?.text;
        bytes += text === undefined ? Number.POSITIVE_INFINITY : Buffer.byteLength(text, "utf8");
    }
    return { entries: Object.keys(assets).sort(), bytes };
}
