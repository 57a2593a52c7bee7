// The uploads page the local cloud serves (local/services/page.ts), bundled for the browser by esbuild: a channel of
// its own, a file uploaded there through a presigned PUT, and the channel's notifications as they arrive.
import { ChannelClient, type ConnectionState, type Notification } from "../client";

/** sessionStorage's key for the tab's channel, so that a reload listens where it uploaded. */
const CHANNEL_KEY = "serverless-websockets:page-channel";
/** Rows kept in the list; older ones are dropped. */
const MAX_ROWS = 200;

const element = <T extends HTMLElement>(id: string): T => {
    const found = document.getElementById(id);
    if (!found) throw new Error(`page: no #${id}`);
    return found as T;
};
const ui = {
    state: element<HTMLSpanElement>("state"),
    channel: element<HTMLElement>("channel"),
    subscription: element<HTMLSpanElement>("subscription"),
    error: element<HTMLParagraphElement>("error"),
    form: element<HTMLFormElement>("upload-form"),
    file: element<HTMLInputElement>("file"),
    upload: element<HTMLButtonElement>("upload"),
    uploadStatus: element<HTMLParagraphElement>("upload-status"),
    notifications: element<HTMLTableSectionElement>("notifications"),
    none: element<HTMLParagraphElement>("no-notifications"),
};

/** The URL written into the page (`serverless-websockets page --url`, or the local server's only API), else `?url=`. */
function websocketUrl(): string | undefined {
    // A URL written into the page wins: a link's ?url= must not point a hosted page (and its uploads) elsewhere.
    const written = document.querySelector<HTMLMetaElement>('meta[name="websocket-url"]')?.content;
    if (written) return written;
    return new URLSearchParams(location.search).get("url") || undefined;
}

/** `uploads/<random id>/`, under the component's default upload prefix; kept for the tab's session. */
function ownChannel(): string {
    const id = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, "0")).join("");
    try {
        const kept = sessionStorage.getItem(CHANNEL_KEY);
        if (kept) return kept;
        sessionStorage.setItem(CHANNEL_KEY, `uploads/${id}/`);
    } catch {
        // Storage refused (a privacy mode): the channel lasts as long as the page.
    }
    return `uploads/${id}/`;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function showError(text: string): void {
    ui.error.textContent = text;
    ui.error.hidden = false;
}

function formatSize(bytes: number | undefined): string {
    if (bytes === undefined) return "—";
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** S3's error document says why in `<Message>`. */
const s3Reason = (body: string) => /<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? body.slice(0, 200);

class UploadsPage {
    private subscribed = false;
    private uploading = false;
    /** Keys this page uploaded, to mark their notifications. */
    private readonly ownKeys = new Set<string>();

    constructor(
        private readonly client: ChannelClient,
        private readonly channel: string,
    ) {
        client.on("state", (state) => this.showState(state));
        client.on("subscribed", (subscribed) => {
            if (subscribed === channel) this.showSubscribed(true);
        });
        client.on("notification", (notification) => this.list(notification));
        client.on("error", (err) => showError(err.message));
        ui.file.addEventListener("change", () => this.updateButton());
        ui.form.addEventListener("submit", (event) => {
            event.preventDefault();
            void this.upload();
        });
        this.showState(client.state);
        client.subscribe(channel).catch((err: unknown) => showError(`Could not subscribe to ${channel}: ${message(err)}`));
    }

    private showState(state: ConnectionState): void {
        ui.state.textContent = state;
        ui.state.dataset.state = state;
        // Until the client has subscribed again on the new socket, nothing of the channel arrives.
        if (state !== "open") this.showSubscribed(false);
        this.updateButton();
    }

    private showSubscribed(subscribed: boolean): void {
        this.subscribed = subscribed;
        ui.subscription.dataset.subscribed = String(subscribed);
        ui.subscription.textContent = subscribed ? "(subscribed)" : "(not subscribed)";
        this.updateButton();
    }

    private updateButton(): void {
        ui.upload.disabled = !(this.subscribed && this.client.state === "open" && !this.uploading && ui.file.files?.length);
    }

    private async upload(): Promise<void> {
        const file = ui.file.files?.[0];
        if (!file) return;
        this.uploading = true;
        this.updateButton();
        ui.uploadStatus.textContent = `Asking for an upload URL for ${file.name}…`;
        try {
            const target = await this.client.requestUpload(this.channel + file.name, {
                size: file.size,
                contentType: file.type || undefined,
            });
            this.ownKeys.add(target.key);
            ui.uploadStatus.textContent = `Uploading ${file.name}…`;
            const res = await fetch(target.url, { method: target.method, headers: target.headers, body: file }).catch((err: unknown) => {
                // A refusal without CORS headers reaches the page as a network error.
                throw new Error(`S3 could not be reached or refused the request (${message(err)})`);
            });
            if (!res.ok) throw new Error(`S3 answered ${res.status}: ${s3Reason(await res.text())}`);
            ui.uploadStatus.textContent = `Uploaded ${file.name} (${formatSize(file.size)}).`;
            ui.form.reset();
        } catch (err) {
            ui.uploadStatus.textContent = `Upload of ${file.name} failed: ${message(err)}`;
        } finally {
            this.uploading = false;
            this.updateButton();
        }
    }

    private list(notification: Notification): void {
        const s3 = notification.type === "s3" ? notification : undefined;
        const key = s3 ? s3.key : notification.type === "message" ? notification.channel : "";
        const own = s3 !== undefined && this.ownKeys.has(key);
        const row = document.createElement("tr");
        row.dataset.key = key;
        row.dataset.event = s3 ? s3.event : "message";
        if (own) row.classList.add("own");

        const when = s3 ? new Date(s3.time) : new Date();
        const time = document.createElement("time");
        time.dateTime = when.toISOString();
        time.textContent = when.toLocaleTimeString();
        const keyCell = document.createElement("td");
        keyCell.append(key);
        if (own) {
            const badge = document.createElement("span");
            badge.className = "badge";
            badge.textContent = "yours";
            keyCell.append(badge);
        }
        const cell = (content: string | Node, className?: string) => {
            const td = document.createElement("td");
            td.append(content);
            if (className) td.className = className;
            return td;
        };
        row.append(cell(time), cell(row.dataset.event), keyCell, cell(formatSize(s3?.size), "size"));
        ui.notifications.prepend(row);
        while (ui.notifications.rows.length > MAX_ROWS) ui.notifications.deleteRow(-1);
        ui.none.hidden = true;
    }
}

function start(): void {
    const channel = ownChannel();
    ui.channel.textContent = channel;
    const url = websocketUrl();
    if (!url) {
        ui.state.textContent = ui.state.dataset.state = "closed";
        showError("No WebSocket URL: open this page with ?url=ws://… (the local cloud prints the full address).");
        return;
    }
    let client: ChannelClient;
    try {
        client = new ChannelClient({ url });
    } catch (err) {
        showError(`Could not connect to ${url}: ${message(err)}`);
        return;
    }
    new UploadsPage(client, channel);
    window.addEventListener("pagehide", () => client.close());
}

start();
