/**
 * Object keys as stored, beside the form-URL-encoded form S3 puts in notification records (B25): the local S3
 * encodes with this table and the fan-out handler decodes with it, so the two agree.
 */
export const ENCODED_KEYS: [stored: string, encoded: string][] = [
    ["red flower.jpg", "red+flower.jpg"],
    ["a+b c", "a%2Bb+c"],
    ["a+b & c?.txt", "a%2Bb+%26+c%3F.txt"],
    ["  ", "++"],
    ["é", "%C3%A9"],
    ["日本.txt", "%E6%97%A5%E6%9C%AC.txt"],
    ["!'()*", "%21%27%28%29%2A"],
    ["a=b&c?d#e", "a%3Db%26c%3Fd%23e"],
    ["Report_2024-05.v2.csv", "Report_2024-05.v2.csv"],
];
