/** A program that cannot be run as it stands: the message says what is wrong and how to fix it, in a line or two. */
export class ProgramError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ProgramError";
    }
}
