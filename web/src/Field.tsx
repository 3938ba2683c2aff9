// Labelled form fields. The label is its own element (for/id), not a wrapper: a wrapping label would make
// the options' text part of the select's accessible name. A field the server named as wrong shows the
// server's message under it, tied to it by aria-describedby, and is marked aria-invalid.
import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';
import { ApiError } from './api.ts';

interface Common { label: string; error?: string | null | undefined; hint?: ReactNode }

function described(id: string, error: string | null | undefined, hint: ReactNode) {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return { ...(ids && { 'aria-describedby': ids }), ...(error && { 'aria-invalid': true as const }) };
}

function Notes({ id, error, hint }: { id: string; error?: string | null | undefined; hint?: ReactNode }) {
  return (
    <>
      {hint && <span id={`${id}-hint`} className="hint">{hint}</span>}
      {error && <span id={`${id}-error`} className="field-error">{error}</span>}
    </>
  );
}

export function SelectField({ label, className, children, error, hint, ...rest }: Common & { children: ReactNode } & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId();
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      <select id={id} {...described(id, error, hint)} {...rest}>{children}</select>
      <Notes id={id} error={error} hint={hint} />
    </div>
  );
}

export function InputField({ label, className, error, hint, ...rest }: Common & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      <input id={id} {...described(id, error, hint)} {...rest} />
      <Notes id={id} error={error} hint={hint} />
    </div>
  );
}

export function TextAreaField({ label, className, error, hint, ...rest }: Common & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = useId();
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      <textarea id={id} {...described(id, error, hint)} {...rest} />
      <Notes id={id} error={error} hint={hint} />
    </div>
  );
}

/** The server's message when it names `field` (or a part of it, e.g. `name.en` for `name`) as wrong. */
export function errorFor(error: unknown, field: string): string | null {
  if (!(error instanceof ApiError) || !error.field) return null;
  return error.field === field || error.field.startsWith(`${field}.`) ? besideField(error.message, error.field) : null;
}

/**
 * A schema check's sentence without the field it opens with ("字段 name：不应少于 1 个字符", "name: must NOT have
 * fewer than 1 characters"): shown under the field's own label, the raw field name would only repeat it.
 */
export function besideField(message: string, field: string): string {
  for (const prefix of [`字段 ${field}：`, `${field}: `]) if (message.startsWith(prefix)) return message.slice(prefix.length);
  return message;
}

/** Whether an error names none of a form's fields, so the form shows it as a whole. */
export const unplaced = (error: unknown, fields: readonly string[]) => error !== null && error !== undefined && !fields.some((f) => errorFor(error, f));
