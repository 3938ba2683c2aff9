// Charts on Chart.js: a doughnut for the fleet's modes, a bar chart for online/offline, lines for a
// terminal's history. Animation is off (live updates should not wobble); each canvas carries a text
// summary for screen readers.
import {
  ArcElement, BarElement, CategoryScale, Chart as ChartJS, Legend, LinearScale, LineElement, PointElement, Tooltip,
} from 'chart.js';
import { Bar, Doughnut, Line } from 'react-chartjs-2';

ChartJS.register(ArcElement, BarElement, CategoryScale, LinearScale, LineElement, PointElement, Tooltip, Legend);
ChartJS.defaults.animation = false;
ChartJS.defaults.maintainAspectRatio = false;

export const COLORS = { normal: '#2e7d32', maintenance: '#ef6c00', locked: '#c62828', offline: '#757575', line: '#1565c0' };

interface Slice { label: string; value: number; color: string }

const summary = (title: string, slices: Slice[]) => `${title}: ${slices.map((s) => `${s.label} ${s.value}`).join(', ')}`;

export function DoughnutChart({ title, slices }: { title: string; slices: Slice[] }) {
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div className="chart-box" role="img" aria-label={summary(title, slices)}>
        <Doughnut
          data={{ labels: slices.map((s) => s.label), datasets: [{ data: slices.map((s) => s.value), backgroundColor: slices.map((s) => s.color) }] }}
          options={{ plugins: { legend: { position: 'bottom' } } }}
        />
      </div>
    </figure>
  );
}

export function BarChart({ title, slices }: { title: string; slices: Slice[] }) {
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div className="chart-box" role="img" aria-label={summary(title, slices)}>
        <Bar
          data={{ labels: slices.map((s) => s.label), datasets: [{ label: title, data: slices.map((s) => s.value), backgroundColor: slices.map((s) => s.color) }] }}
          options={{ plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }}
        />
      </div>
    </figure>
  );
}

export function LineChart({ title, labels, values, min }: { title: string; labels: string[]; values: (number | null)[]; min?: number }) {
  const last = [...values].reverse().find((v) => v !== null);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div className="chart-box" role="img" aria-label={`${title}: ${values.length} points, latest ${last ?? '–'}`}>
        <Line
          data={{ labels, datasets: [{ label: title, data: values, borderColor: COLORS.line, backgroundColor: COLORS.line, pointRadius: 2, spanGaps: true }] }}
          options={{ plugins: { legend: { display: false } }, scales: { y: { ...(min !== undefined && { min }), beginAtZero: true } } }}
        />
      </div>
    </figure>
  );
}

export interface Series { label: string; values: number[]; color: string }

/** Bars stacked per label (e.g. versions per terminal model); the summary reads every non-zero part. */
export function StackedBarChart({ title, labels, series }: { title: string; labels: string[]; series: Series[] }) {
  const text = `${title}: ${labels.map((label, i) => `${label}: ${series.filter((s) => (s.values[i] ?? 0) > 0).map((s) => `${s.label} ${s.values[i]}`).join(', ')}`).join('; ')}`;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div className="chart-box" role="img" aria-label={text}>
        <Bar
          data={{ labels, datasets: series.map((s) => ({ label: s.label, data: s.values, backgroundColor: s.color })) }}
          options={{
            plugins: { legend: { position: 'bottom' } },
            scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
          }}
        />
      </div>
    </figure>
  );
}

/** Distinct colours for an open-ended list (versions), in a fixed order so a version keeps its colour. */
export const PALETTE = ['#1565c0', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f', '#ad1457', '#5d4037', '#546e7a', '#9e9d24', '#c62828'];
