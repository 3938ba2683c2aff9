// A terminal's mode as a coloured, labelled badge (the colour is never the only cue).
import { useI18n } from '../i18n.tsx';

export function ModeBadge({ mode }: { mode: string }) {
  const { tk } = useI18n();
  return <span className={`badge badge-${mode}`} data-mode={mode}>{tk('mode', mode)}</span>;
}
