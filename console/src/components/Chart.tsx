// A chart drawn by Chart.js (loaded on first use), with the same numbers as a table for screen readers and for
// anyone who wants the exact figures.
import type { ChartConfiguration } from "chart.js";
import { useEffect, useRef, useState } from "preact/hooks";

export const PALETTE = ["#1d5fa8", "#e07b22", "#2a9d6f", "#c2413b", "#7a5cc2", "#8a8f98", "#d1a41c", "#3aa6b9"];

export interface Table {
  columns: string[];
  rows: (string | number)[][];
}

export function ChartView({ config, title, table, height = 240 }: { config: ChartConfiguration; title: string; table: Table; height?: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let chart: { destroy(): void } | null = null;
    let live = true;
    import("./chartjs").then(
      ({ Chart }) => {
        if (live && canvas.current) chart = new Chart(canvas.current, { ...config, options: { responsive: true, maintainAspectRatio: false, ...config.options } });
      },
      () => setFailed(true),
    );
    return () => {
      live = false;
      chart?.destroy();
    };
  }, [JSON.stringify(config.data)]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div class="chart-box" style={{ height: `${height}px` }}>
        <canvas ref={canvas} role="img" aria-label={`${title}: chart; the figures are in the table below`} />
      </div>
      {failed && <p class="problem">The chart could not be drawn; the figures are below.</p>}
      <details>
        <summary>Figures</summary>
        <table>
          <thead>
            <tr>
              {table.columns.map((c) => (
                <th key={c} scope="col">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row, i) => (
              <tr key={i}>
                {row.map((cell, j) => (
                  <td key={j}>{cell}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
