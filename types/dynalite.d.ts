// dynalite ships no type declarations; this is the part of its API the project uses.
declare module "dynalite" {
    import type { Server } from "node:http";
    interface DynaliteOptions {
        path?: string;
        createTableMs?: number;
        deleteTableMs?: number;
        updateTableMs?: number;
        maxItemSizeKb?: number;
    }
    function dynalite(options?: DynaliteOptions): Server;
    export = dynalite;
}
