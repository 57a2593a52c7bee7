/**
 * The credentials local clients and functions sign with. dynalite accepts any; s3rver accepts only the pair it has
 * registered, which by default is this one.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;
