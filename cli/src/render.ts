// Text output of `get rollout` / `get experiment`: the header block and the tree, aligned
// like the original's, coloured only when writing to a terminal.
import type { RolloutInfo, Status, TreeNode } from "./info.js";

export interface Style {
  colour: boolean;
  now: Date;
}

const TONES: Record<Status["tone"], string> = {
  ok: "\x1b[32m",
  bad: "\x1b[31m",
  warn: "\x1b[33m",
  progress: "\x1b[33m",
  neutral: "\x1b[90m",
};
const RESET = "\x1b[0m";

export function statusText(status: Status, style: Style): string {
  const text = `${status.icon} ${status.text}`;
  return style.colour ? `${TONES[status.tone]}${text}${RESET}` : text;
}

/** kubectl's short ages: 45s, 3m12s, 42m, 5h10m, 2d3h, 30d. */
export function humanAge(from: Date | undefined, now: Date): string {
  if (from === undefined) return "";
  const seconds = Math.max(0, Math.floor((now.getTime() - from.getTime()) / 1000));
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  const pair = (a: number, ua: string, b: number, ub: string) =>
    b === 0 ? `${a}${ua}` : `${a}${ua}${b}${ub}`;
  if (seconds < 120) return `${seconds}s`;
  if (minutes < 10) return pair(minutes, "m", seconds % 60, "s");
  if (hours < 3) return `${minutes}m`;
  if (hours < 8) return pair(hours, "h", minutes % 60, "m");
  if (days < 2) return `${hours}h`;
  if (days < 8) return pair(days, "d", hours % 24, "h");
  return `${days}d`;
}

const LABEL_WIDTH = 17;
const label = (text: string) => text.padEnd(LABEL_WIDTH);

export function renderHeader(info: RolloutInfo, style: Style): string[] {
  const lines = [
    `${label("Name:")}${info.name}`,
    `${label("Namespace:")}${info.namespace}`,
    `${label("Status:")}${statusText(info.status, style)}`,
  ];
  if (info.message !== "") lines.push(`${label("Message:")}${info.message}`);
  lines.push(`${label("Strategy:")}${info.strategy}`);
  if (info.step !== undefined) lines.push(`${label("  Step:")}${info.step}`);
  if (info.setWeight !== undefined) lines.push(`${label("  SetWeight:")}${info.setWeight}`);
  if (info.actualWeight !== undefined)
    lines.push(`${label("  ActualWeight:")}${info.actualWeight}`);
  info.images.forEach((image, i) => {
    lines.push(`${label(i === 0 ? "Images:" : "")}${image}`);
  });
  if (info.images.length === 0) lines.push(label("Images:"));
  const r = info.replicas;
  lines.push(
    "Replicas:",
    `${label("  Desired:")}${r.desired}`,
    `${label("  Current:")}${r.current}`,
    `${label("  Updated:")}${r.updated}`,
    `${label("  Ready:")}${r.ready}`,
    `${label("  Available:")}${r.available}`,
  );
  return lines;
}

interface Row {
  name: string;
  kind: string;
  status: string;
  /** Visible width of status (escape codes excluded). */
  statusWidth: number;
  age: string;
  info: string;
}

function flatten(
  node: TreeNode,
  prefix: string,
  childPrefix: string,
  style: Style,
  rows: Row[],
): void {
  const status = node.status === undefined ? "" : statusText(node.status, style);
  const plain = node.status === undefined ? "" : `${node.status.icon} ${node.status.text}`;
  rows.push({
    name: `${prefix}${node.icon} ${node.name}`,
    kind: node.kind,
    status,
    statusWidth: [...plain].length,
    age: humanAge(node.created, style.now),
    info: node.info,
  });
  node.children.forEach((child, i) => {
    const last = i === node.children.length - 1;
    flatten(
      child,
      `${childPrefix}${last ? "└──" : "├──"}`,
      `${childPrefix}${last ? "   " : "│  "}`,
      style,
      rows,
    );
  });
}

const width = (text: string) => [...text].length;

export function renderTree(root: TreeNode, style: Style): string[] {
  const rows: Row[] = [];
  flatten(root, "", "", style, rows);
  const header: Row = {
    name: "NAME",
    kind: "KIND",
    status: "STATUS",
    statusWidth: 6,
    age: "AGE",
    info: "INFO",
  };
  const all = [header, ...rows];
  const nameW = Math.max(...all.map((r) => width(r.name)));
  const kindW = Math.max(...all.map((r) => width(r.kind)));
  const statusW = Math.max(...all.map((r) => r.statusWidth));
  const ageW = Math.max(...all.map((r) => width(r.age)));
  return all.map((r) =>
    [
      r.name + " ".repeat(nameW - width(r.name)),
      r.kind + " ".repeat(kindW - width(r.kind)),
      r.status + " ".repeat(statusW - r.statusWidth),
      r.age + " ".repeat(ageW - width(r.age)),
      r.info,
    ]
      .join("  ")
      .trimEnd(),
  );
}

export function renderRollout(info: RolloutInfo, style: Style): string {
  return `${[...renderHeader(info, style), "", ...renderTree(info.tree, style)].join("\n")}\n`;
}

/** Plain table with two-space gaps, as kubectl prints lists. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))));
  return `${[header, ...rows]
    .map((r) =>
      r
        .map((cell, i) => cell + " ".repeat((widths[i] ?? 0) - width(cell)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}
