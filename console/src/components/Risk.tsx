// Risk scores (advice to customs only): the score drawn as a bar coloured by its band, and the full assessment of
// a declaration with its reasons and the decisions taken with or against the advice.
import { get } from "../api";
import type { RiskAssessment } from "../types";
import { Badge, Problem, Section, useData } from "./ui";

/** A score drawn as a bar coloured by its band, with its percentage and band. */
export function RiskMeter({ score, band }: { score: number; band: string }) {
  const percent = Math.round(score * 100);
  return (
    <div class="risk-line">
      <span class={`risk-meter ${band}`} role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-label={`Risk ${percent} %, ${band}`}>
        <span style={{ width: `${Math.max(2, percent)}%` }} />
      </span>
      <span class={`risk-figure ${band}`}>
        {percent} % {band}
      </span>
    </div>
  );
}

/** The declaration's risk assessment: score, advice, every reason, the model, decisions against the advice. */
export function RiskSection({ declarationId }: { declarationId: string }) {
  const risk = useData(() => get<RiskAssessment>(`/v1/declarations/${declarationId}/risk`), [declarationId]);
  const r = risk.data;
  return (
    <Section title="Risk (advice only)" id="risk">
      {risk.error ? (
        <Problem error={risk.error} />
      ) : !r ? (
        <p class="muted">Scoring…</p>
      ) : (
        <>
          <RiskMeter score={r.score} band={r.band} />
          <p>
            Advice: <strong>{r.advice}</strong>. The decision is yours.
          </p>
          <ul class="reasons-full">
            {r.reasons.map((x) => (
              <li key={x.feature + x.text}>{x.text}</li>
            ))}
          </ul>
          {r.decisions.some((x) => x.againstAdvice) && (
            <p class="small">
              {r.decisions
                .filter((x) => x.againstAdvice)
                .map((x) => (
                  <span key={`${x.port}${x.decision}`}>
                    <Badge value="AGAINST ADVICE" tone="warn" /> {x.port} decided {x.decision.toLowerCase().replace("_", " ")} on a {x.band} score.{" "}
                  </span>
                ))}
            </p>
          )}
          <p class="small muted">
            {r.modelVersion === 0 ? "Model 0: the untrained prior (hand-set weights)." : `Model ${r.modelVersion}, trained on this chain's outcomes.`}
          </p>
        </>
      )}
    </Section>
  );
}
