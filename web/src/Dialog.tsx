// A confirmation asked in a modal <dialog>: the browser traps focus inside, Escape closes it, and focus
// returns to the button that opened it. Used where a change is hard to undo (pausing, cancelling or
// rolling back a campaign) and where the change takes options (a note, a raised failure rate).
import { useEffect, useId, useRef, type FormEvent, type ReactNode } from 'react';
import { useI18n } from './i18n.tsx';

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  confirmLabel: string;
  /** A red confirm button, for changes that cannot be taken back. */
  danger?: boolean;
  busy?: boolean;
  onConfirm(): void;
  onClose(): void;
  children?: ReactNode;
}

export function ConfirmDialog({ open, title, confirmLabel, danger, busy, onConfirm, onClose, children }: ConfirmDialogProps) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onConfirm();
  };
  return (
    <dialog ref={ref} className="confirm" aria-labelledby={titleId} onClose={onClose} onCancel={(e) => { e.preventDefault(); onClose(); }}>
      {open && (
        <form onSubmit={submit} noValidate>
          <h2 id={titleId}>{title}</h2>
          {children}
          <div className="buttons dialog-buttons">
            <button type="submit" className={danger ? 'danger-solid' : ''} disabled={busy}>{confirmLabel}</button>
            <button type="button" className="secondary" onClick={onClose}>{t('keepAsIs')}</button>
          </div>
        </form>
      )}
    </dialog>
  );
}
