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
