/**
 * The credentials local clients and functions sign with. dynalite accepts any; s3rver accepts only the pair it has
 * registered, which by default is this one. A fresh object each time: the AWS SDK marks the credentials object it is
 * given (`$source`), and one shared object would carry those marks into outputs and tests.
 */
export const localCredentials = (): { accessKeyId: string; secretAccessKey: string } => ({
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
});
