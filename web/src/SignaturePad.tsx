// A customer's signature drawn with a finger, a pen or a mouse on a canvas, handed over as a PNG data
// URL (what the work order's completion takes: src/preventive/preventive.schemas.ts Signature.image).
// Pointer events cover touch, pen and mouse alike; touch-action: none keeps the page from scrolling
// while the finger draws.
import { useEffect, useRef, type PointerEvent } from 'react';
import { useI18n } from './i18n.tsx';

/** The canvas's own pixels; CSS scales it to the width of the form (a phone's 390 px included). */
const WIDTH = 600;
const HEIGHT = 220;

export function SignaturePad({ label, onChange, disabled }: { label: string; onChange(image: string | null): void; disabled?: boolean }) {
  const { t } = useI18n();
  const canvas = useRef<HTMLCanvasElement>(null);
  const last = useRef<{ x: number; y: number } | null>(null);
  const drawn = useRef(false);

  // Paint the white background once; the callback is not a dependency (a new one each render).
  useEffect(() => clear(), []);

  function context() {
    const c = canvas.current?.getContext('2d');
    if (c) {
      c.lineWidth = 3;
      c.lineCap = 'round';
      c.lineJoin = 'round';
      c.strokeStyle = '#111';
    }
    return c;
  }
  function clear() {
    const c = context();
    if (!c) return;
    // A white background: the PNG reads as a signature on paper wherever it is shown.
    c.fillStyle = '#fff';
    c.fillRect(0, 0, WIDTH, HEIGHT);
    drawn.current = false;
    onChange(null);
  }
  const point = (event: PointerEvent<HTMLCanvasElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    return { x: ((event.clientX - box.left) / box.width) * WIDTH, y: ((event.clientY - box.top) / box.height) * HEIGHT };
  };
  const down = (event: PointerEvent<HTMLCanvasElement>) => {
    if (disabled) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    last.current = point(event);
  };
  const move = (event: PointerEvent<HTMLCanvasElement>) => {
    if (!last.current) return;
    const c = context();
    const to = point(event);
    if (!c) return;
    c.beginPath();
    c.moveTo(last.current.x, last.current.y);
    c.lineTo(to.x, to.y);
    c.stroke();
    last.current = to;
    drawn.current = true;
  };
  const up = () => {
    if (!last.current) return;
    last.current = null;
    if (drawn.current && canvas.current) onChange(canvas.current.toDataURL('image/png'));
  };

  return (
    <div className="signature">
      <canvas ref={canvas} width={WIDTH} height={HEIGHT} role="img" aria-label={label}
        onPointerDown={down} onPointerMove={move} onPointerUp={up} onPointerCancel={up} onPointerLeave={up} />
      <div className="signature-foot">
        <span className="hint">{t('woSignHere')}</span>
        <button type="button" className="secondary" disabled={disabled} onClick={clear}>{t('woSignClear')}</button>
      </div>
    </div>
  );
}
