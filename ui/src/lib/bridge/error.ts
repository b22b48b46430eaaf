// The one error every bridge call rejects with. The Rust side rejects `invoke` with a plain
// `{kind, code, message, fingerprint?}` object (the generated `BridgeError` shape); wrappers
// turn whatever arrives into this class so callers can rely on `instanceof` and on the fields.

import type { BridgeErrorKind, BridgeError as BridgeErrorShape } from "../../bindings/desktop";

// Every `BridgeErrorKind` once: a kind added to (or removed from) the Rust enum breaks this
// object until it is listed here.
const kinds: Record<BridgeErrorKind, true> = {
  api: true,
  notLoggedIn: true,
  unreachable: true,
  certificate: true,
  keychain: true,
  profile: true,
  protocol: true,
  io: true,
  command: true,
  unsupported: true,
  cancelled: true,
};

function isKind(value: unknown): value is BridgeErrorKind {
  return typeof value === "string" && Object.hasOwn(kinds, value);
}

export class BridgeError extends Error implements BridgeErrorShape {
  readonly kind: BridgeErrorKind;
  readonly code: number;
  /** SHA-256 fingerprint (`AB:CD:…`) of an untrusted certificate, for `kind: "certificate"`. */
  readonly fingerprint: string | undefined;

  constructor(kind: BridgeErrorKind, code: number, message: string, fingerprint?: string) {
    super(message);
    this.name = "BridgeError";
    this.kind = kind;
    this.code = code;
    this.fingerprint = fingerprint;
  }

  /**
   * Normalises a rejection. Anything that is not the agreed shape (Tauri itself rejects with a
   * string when a command is missing or its arguments do not deserialize) becomes
   * `kind: "protocol"`, code -1.
   */
  static from(raw: unknown): BridgeError {
    if (raw instanceof BridgeError) return raw;
    if (typeof raw === "object" && raw !== null) {
      const r = raw as Record<string, unknown>;
      if (isKind(r.kind) && typeof r.message === "string") {
        const code = typeof r.code === "number" ? r.code : -1;
        const fingerprint = typeof r.fingerprint === "string" ? r.fingerprint : undefined;
        return new BridgeError(r.kind, code, r.message, fingerprint);
      }
      if (raw instanceof Error) return new BridgeError("protocol", -1, raw.message);
    }
    return new BridgeError("protocol", -1, typeof raw === "string" ? raw : "Unexpected answer from the app");
  }
}

/** A one-line description for a toast or an inline error: the server's message and its code. */
export function describeError(error: unknown): string {
  const e = BridgeError.from(error);
  return e.code >= 0 ? `${e.message} (code ${e.code})` : e.message;
}
