// A labelled select. The label is its own element (for/id), not a wrapper: a wrapping label would make
// the options' text part of the select's accessible name.
import { useId, type ReactNode, type SelectHTMLAttributes } from 'react';

export function SelectField({ label, className, children, ...rest }: { label: string; children: ReactNode } & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId();
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      <select id={id} {...rest}>{children}</select>
    </div>
  );
}
