import { ProgramError } from "../record/program-error";

/** An operator's mistake: the CLI prints the message (a line or two naming the fix) and exits non-zero, no stack. */
export class CliError extends ProgramError {
    constructor(
        message: string,
        readonly exitCode = 1,
    ) {
        super(message);
        this.name = "CliError";
    }
}

/** A wrong command line: exit code 2, and a pointer to the help. */
export const usageError = (message: string): CliError => new CliError(`${message}\nSee: serverless-websockets --help`, 2);
