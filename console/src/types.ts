// The API's resources as the console reads them (docs/api.md; /openapi.json is the full contract).

export interface Role {
  role: string;
  port: string | null;
}

export interface Session {
  member: string;
  name: string;
  roles: Role[];
  chainId: number;
  expiresAt: number;
  custodial: boolean;
  relayer: boolean;
}

export interface Challenge {
  nonce: string;
  domain: string;
  chainId: number;
  statement: string;
  issuedAt: number;
  nonceExpiresAt: number;
  sessionExpiresAt: number;
}

export interface Operation {
  id: string;
  kind: string;
  status: "Initialized" | "Pending" | "Succeeded" | "Failed";
  signing: "custodial" | "wallet";
  sender: string;
  to: string;
  calldata: string;
  nonce: number | null;
  txHash: string | null;
  blockNumber: number | null;
  result: { events: { contract: string; event: string; args: Record<string, unknown> }[] } | null;
  error: { title?: string; detail?: string; type?: string } | null;
  unsignedTransaction: {
    chainId: number;
    from: string;
    to: string;
    data: string;
    value: number;
    gas: number;
    nonce: number;
    maxFeePerGas: number;
    maxPriorityFeePerGas: number;
  } | null;
}

export interface Container {
  index: number;
  number: string;
  declaredGrossKg: number;
  seals: string[];
  lastMilestone: string | null;
  observedGrossKg: number | null;
}

export interface Milestone {
  milestone: string;
  containerIndex: number | null;
  port: string;
  recordedBy: string;
  observedGrossKg: number | null;
  seals: string[] | null;
  transactionHash: string;
  blockNumber: number;
  blockTimestamp: number | null;
  confirmed: boolean;
}

export interface DocumentAnchor {
  shipmentId: string;
  docType: string;
  digest: string;
  version: number;
  anchoredBy: string;
  transactionHash: string;
  blockNumber: number;
  blockTimestamp: number | null;
}

export interface Discrepancy {
  containerIndex: number;
  kind: string;
  declared: string;
  observed: string;
  clearedBy: string | null;
  clearedReason: string | null;
}

export interface Shipment {
  shipmentId: string;
  shipper: string;
  carrier: string;
  consignee: string;
  originPort: string;
  destinationPort: string;
  transportDocumentReference: string;
  containerCount: number;
  state: string;
  held: boolean;
  registeredBlock: number;
  confirmed: boolean;
  containers?: Container[];
  discrepancies?: Discrepancy[];
  milestones?: Milestone[];
  documents?: DocumentAnchor[];
}

export interface Decision {
  port: string;
  officer: string;
  version: number;
  decision: string;
  reasonCode: string | null;
  transactionHash: string;
  blockNumber: number;
}

export interface Hold {
  port: string;
  officer: string;
  reasonCode: string | null;
  active: boolean;
  releasedBy: string | null;
}

export interface Declaration {
  declarationId: string;
  shipmentId: string;
  filer: string;
  version: number;
  digest: string;
  hsCodes: string[];
  customsValue: string;
  currency: string;
  state: string;
  clearedVersion: number | null;
  decisions: Decision[];
  holds: Hold[];
  confirmed: boolean;
}

export interface DeclarationSummary {
  declarationId: string;
  shipmentId: string;
  transportDocumentReference: string;
  originPort: string;
  destinationPort: string;
  version: number;
  state: string;
  hsCodes: string[];
  customsValue: string;
  currency: string;
  waitingAt: string | null;
  inspectionRequested: boolean;
  activeHolds: number;
  openAlerts: number;
  openDiscrepancies: number;
  blockNumber: number;
  /** Customs and auditors only: the risk score (0-1, null until scored), its band and reasons (advice only). */
  riskScore: number | null;
  riskBand: "low" | "medium" | "high" | null;
  riskReasons: string[];
}

export interface Alert {
  alertId: number;
  shipmentId: string;
  deviceId: string;
  kind: string;
  rule: string;
  value: number;
  state: "OPEN" | "RESOLVED";
  raisedAt: number | null;
  raisedBlock: number;
  resolvedBy: string | null;
  reason: string | null;
  resolvedAt: number | null;
}

export interface ChainEvent {
  contract: string;
  event: string;
  args: Record<string, unknown>;
  transactionHash: string;
  blockNumber: number;
  logIndex: number;
  blockTimestamp: number | null;
  confirmed: boolean;
}

export interface Financing {
  financingId: number;
  shipmentId: string;
  exporter: string;
  product: string;
  state: string;
  financier: string | null;
  amount: string | null;
  feeBps: number | null;
  condition: string | null;
  fundBy: number | null;
  releaseBy: number | null;
  maturity: number | null;
  funded: string | null;
  due: string | null;
  released: string;
  refunded: string;
  repaid: string;
  outstanding: string | null;
  refundReason: string | null;
  requestedAt: number | null;
  fundedAt: number | null;
  releasedAt: number | null;
  events?: ChainEvent[];
}

export interface Member {
  account: string;
  name: string;
  orgId: string;
  status: string;
  roles: Role[];
}

export interface Port {
  code: string;
  name: string;
  authority: string;
}

export interface Overview {
  scope: "all" | "party";
  inFlight: number;
  shipments: { state: string; port: string; count: number }[];
  declarationsWaiting: { port: string; waiting: number; inspections: number }[];
  openAlerts: number;
  alertsByKind: { kind: string; count: number }[];
  financings: { product: string; state: string; count: number; amount: string; funded: string }[];
  milestonesByDay: { day: number; count: number }[];
  checkpointBlock: number | null;
}

/** ``GET /v1/kpis``: durations in seconds (null for an empty sample). */
export interface Distribution {
  count: number;
  p50: number | null;
  p90: number | null;
  mean: number | null;
  min: number | null;
  max: number | null;
}

export interface Kpis {
  start: number;
  end: number;
  port: string | null;
  volume: { shipmentsRegistered: number; shipmentsGatedOut: number; containersGatedOut: number; teuPerContainer: number; teuGatedOut: number };
  stages: { stage: string; start: string; end: string; seconds: Distribution }[];
  endToEnd: Distribution;
  customs: {
    declarationsFiled: number;
    declarationsCleared: number;
    holdsPer100: number | null;
    inspectionsPer100: number | null;
    rejectionsPer100: number | null;
    clearanceLeadTime: Distribution;
  };
  alerts: { raised: number; resolved: number; openAtEnd: number; timeToResolve: Distribution };
}

export interface RiskAssessment {
  declarationId: string;
  declarationVersion: number;
  score: number;
  band: "low" | "medium" | "high";
  advice: string;
  reasons: { feature: string; contribution: number; text: string }[];
  modelVersion: number;
  evidenceBlock: number;
  computedAt: number;
  decisions: { port: string; version: number; decision: string; band: string | null; score: number | null; againstAdvice: boolean }[];
}
