import dagre from "@dagrejs/dagre";
import { navigate } from "../router.js";

/** A node of the trigger graph: a source (task, event, cron), a trigger, or a target task. */
export interface GraphNode {
  id: string;
  label: string;
  kind: "task" | "event" | "cron" | "trigger";
  /** Where a click goes. */
  href?: string;
  paused?: boolean;
}

export interface GraphEdge {
  from: string;
  to: string;
  label?: string;
}

const NODE_HEIGHT = 34;

/**
 * The graph laid out by dagre (left to right: sources → trigger → target task) and
 * drawn as SVG: one <g data-node> per node, so what it shows can be read and clicked.
 */
export function Graph(props: { nodes: GraphNode[]; edges: GraphEdge[] }) {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: "LR", nodesep: 18, ranksep: 70, marginx: 10, marginy: 10 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of props.nodes)
    graph.setNode(node.id, { width: 16 + node.label.length * 7.5, height: NODE_HEIGHT });
  for (const edge of props.edges) graph.setEdge(edge.from, edge.to, { label: edge.label ?? "" });
  dagre.layout(graph);
  const { width = 0, height = 0 } = graph.graph();
  return (
    <svg
      class="graph"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      data-testid="trigger-graph"
      role="img"
      aria-label="trigger graph"
    >
      <title>sources → triggers → target tasks</title>
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="10"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto"
        >
          <path d="M0,0 L10,5 L0,10 z" />
        </marker>
      </defs>
      {graph.edges().map((ref) => {
        const points: Array<{ x: number; y: number }> = graph.edge(ref).points ?? [];
        const d = points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x},${p.y}`).join(" ");
        return <path key={`${ref.v}->${ref.w}`} class="edge" d={d} marker-end="url(#arrow)" />;
      })}
      {props.nodes.map((node) => {
        const { x, y, width: w } = graph.node(node.id);
        return (
          <g
            key={node.id}
            class={`node node-${node.kind}${node.paused ? " paused" : ""}${node.href ? " clickable" : ""}`}
            data-node={node.id}
            transform={`translate(${x - w / 2},${y - NODE_HEIGHT / 2})`}
            {...(node.href ? clickable(node.href) : {})}
          >
            <rect width={w} height={NODE_HEIGHT} rx={node.kind === "trigger" ? 17 : 4} />
            <text x={w / 2} y={NODE_HEIGHT / 2 + 4} text-anchor="middle">
              {node.label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** What makes a node a link: a click or Enter goes to its page, and it takes the focus. */
function clickable(href: string) {
  return {
    role: "link" as const,
    tabIndex: 0,
    onClick: () => navigate(href),
    onKeyDown: (event: KeyboardEvent) => {
      if (event.key === "Enter") navigate(href);
    },
  };
}
