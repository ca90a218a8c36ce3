import type { ReactNode } from "react";
import { ApiError } from "./api/client";
import { useNow } from "./hooks";
import { useI18n } from "./i18n";

export function Badge({ count, label }: { count: number; label?: string }) {
  if (count <= 0) return null;
  return (
    <span className="badge" aria-label={label ? `${count} ${label}` : String(count)}>
      {count > 99 ? "99+" : count}
    </span>
  );
}

export function Status({ value }: { value: string }) {
  const { status } = useI18n();
  return <span className={`status status-${value}`}>{status(value)}</span>;
}

/** A failed call, in words: the service's problem detail, and each field error by its field. */
export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const fields = error instanceof ApiError ? (error.problem.errors ?? []) : [];
  return (
    <div className="error" role="alert">
      <p>{message}</p>
      {fields.length > 0 && (
        <ul>
          {fields.map((f, i) => (
            <li key={i}>
              <code>{f.loc.filter((part) => part !== "body").join(".")}</code>: {f.msg}
            </li>
          ))}
        </ul>
      )}
      {onRetry && (
        <button type="button" className="secondary" onClick={onRetry}>
          {t("retry")}
        </button>
      )}
    </div>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="muted" aria-live="polite">
      {t("loading")}
    </p>
  );
}

export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(Math.abs(ms) / 1000));
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  return `${m}:${String(s).padStart(2, "0")}`;
}

/** Time left to `until`, ticking; past it, how long ago, marked overdue. */
export function Countdown({ until, overdue }: { until: string; overdue?: boolean }) {
  const { t } = useI18n();
  const now = useNow();
  const left = new Date(until).getTime() - now;
  if (left <= 0 || overdue) {
    return (
      <span className="badge badge-overdue" data-testid="overdue">
        {t("overdue")} {left <= 0 ? formatDuration(left) : ""}
      </span>
    );
  }
  return (
    <span className={left < 15 * 60_000 ? "countdown soon" : "countdown"} data-testid="sla-left">
      {formatDuration(left)} {t("left")}
    </span>
  );
}

export function when(value: string | null | undefined, lang: string): string {
  if (!value) return "—";
  return new Date(value).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", {
    dateStyle: "short",
    timeStyle: "short",
  });
}

export function Card({ title, children, actions }: { title?: ReactNode; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="card">
      {(title || actions) && (
        <header className="card-head">
          {title && <h2>{title}</h2>}
          {actions}
        </header>
      )}
      {children}
    </section>
  );
}
