// How values read on a page: short hashes with the full value in a title, amounts with their decimals, times in
// the reader's locale and zone.

export function short(hex: string | null | undefined, keep = 6): string {
  if (!hex) return "—";
  return hex.length <= 2 * keep + 3 ? hex : `${hex.slice(0, keep + 2)}…${hex.slice(-keep + 2)}`;
}

export function when(seconds: number | null | undefined): string {
  if (!seconds) return "—";
  return new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** A shorter time for tight places (timelines): "3 Dec, 19:52". */
export function moment(seconds: number | null | undefined): string {
  if (!seconds) return "—";
  return new Date(seconds * 1000).toLocaleString(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hour12: false });
}

/** An IoT reading's value in its unit (the monitor's DeviceKind: °C x 100, milli-g, 1 = seal intact, a UN/LOCODE). */
export function reading(kind: string, value: number): string {
  switch (kind) {
    case "TEMPERATURE":
      return `${(value / 100).toFixed(2)} °C`;
    case "SHOCK":
      return `${(value / 1000).toFixed(1)} g`;
    case "SEAL":
      return value === 1 ? "intact" : "broken";
    case "POSITION": {
      if (value === 0) return "outside every geofence";
      let text = "";
      for (let v = value; v > 0; v = Math.floor(v / 256)) text = String.fromCharCode(v % 256) + text;
      return `at ${text}`;
    }
    default:
      return String(value);
  }
}

/** A duration for people: "12 s", "45 min", "7.5 h", "2.3 d"; "—" for none. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

export function day(seconds: number): string {
  return new Date(seconds * 1000).toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
}

/** A token amount in minor units (a decimal string) with ``decimals`` places: "5000000" → "50,000.00". */
export function amount(minor: string | null | undefined, decimals = 2): string {
  if (minor === null || minor === undefined || minor === "") return "—";
  const digits = minor.replace(/^-/, "").padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals);
  return `${BigInt(whole).toLocaleString("en-US")}${decimals ? "." + fraction : ""}`;
}

export function kg(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${value.toLocaleString("en-US")} kg`;
}

/** A reason code as text: the API sends it as text (null for none); a bytes32 as hex (ASCII, right-padded with
 * zeros on chain) is read too. */
export function reason(code: string | null | undefined): string {
  if (!code) return "—";
  if (!/^0x[0-9a-fA-F]{64}$/.test(code)) return code;
  const bytes = code.slice(2).match(/../g) ?? [];
  const text = bytes.map((b) => parseInt(b, 16)).filter((c) => c !== 0).map((c) => String.fromCharCode(c)).join("");
  return text || "—";
}

export const STATE_LABELS: Record<string, string> = {
  REGISTERED: "Registered",
  GATED_IN: "Gated in",
  LOADED: "Loaded",
  DEPARTED: "Departed",
  ARRIVED: "Arrived",
  DISCHARGED: "Discharged",
  GATED_OUT: "Gated out",
};

export const MILESTONES: { code: string; label: string }[] = [
  { code: "GTIN", label: "Gate in" },
  { code: "LOAD", label: "Loaded" },
  { code: "DEPA", label: "Departed" },
  { code: "ARRI", label: "Arrived" },
  { code: "DISC", label: "Discharged" },
  { code: "GTOT", label: "Gate out" },
];

const SPECIAL: Record<string, string> = { ECOMMERCE: "E-commerce", IOT_GATEWAY: "IoT gateway", TAX_REBATE: "Tax rebate" };

export function label(code: string): string {
  if (SPECIAL[code]) return SPECIAL[code];
  return STATE_LABELS[code] ?? code.charAt(0) + code.slice(1).toLowerCase().replace(/_/g, " ");
}
