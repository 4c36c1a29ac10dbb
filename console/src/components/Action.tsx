// A write as a small form: its fields, a button, the operation's progress until it is final, and its problem.
import type { ComponentChildren } from "preact";
import { perform } from "../operations";
import { Problem, Progress, useSession, useWrite } from "./ui";

export function Action({
  title,
  method = "POST",
  path,
  body,
  onDone,
  children,
  button,
  tone,
  compact,
}: {
  title: string;
  method?: string;
  path: string;
  body: () => unknown;
  onDone?: () => void;
  children?: ComponentChildren;
  button?: string;
  tone?: "primary" | "danger";
  /** One line, no frame (in a table cell); the legend stays for screen readers. */
  compact?: boolean;
}) {
  const session = useSession();
  const { steps, error, busy, run } = useWrite(onDone);
  return (
    <form
      class={compact ? "action compact" : "action"}
      aria-label={title}
      onSubmit={(e) => {
        e.preventDefault();
        void run((report) => perform(session, method, path, body(), report, { label: title.toLowerCase() }), title);
      }}
    >
      <fieldset disabled={busy}>
        <legend>{title}</legend>
        {children}
        <button type="submit" class={tone ?? "primary"}>
          {button ?? title}
        </button>
      </fieldset>
      <Progress steps={steps} />
      <Problem error={error} />
    </form>
  );
}
