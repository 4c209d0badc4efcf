export interface RoleNode {
  name: string;
  builtIn: boolean;
  inherits: string[];
}

const nodeWidth = 130;
const nodeHeight = 32;
const gapX = 30;
const gapY = 56;
const pad = 16;

/**
 * Layers of the inheritance graph: a role sits one layer above the highest role it
 * inherits. Drawn by hand (a few boxes and lines) rather than with a graph library: the
 * policy has tens of roles at most and the API refuses cycles.
 */
export function layerRoles(roles: RoleNode[]): RoleNode[][] {
  const byName = new Map(roles.map((r) => [r.name, r]));
  const depth = new Map<string, number>();
  const depthOf = (name: string, seen: Set<string>): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    const role = byName.get(name);
    if (!role || seen.has(name)) return 0;
    seen.add(name);
    const parents = role.inherits.filter((p) => byName.has(p));
    const d = parents.length === 0 ? 0 : 1 + Math.max(...parents.map((p) => depthOf(p, seen)));
    depth.set(name, d);
    return d;
  };
  const depths = roles.map((r) => depthOf(r.name, new Set()));
  const layers = Array.from({ length: Math.max(0, ...depths) + 1 }, (_, d) =>
    roles.filter((_r, i) => depths[i] === d),
  );
  return layers.filter((l) => l.length > 0).reverse();
}

/** Roles as boxes, most powerful on top, with an arrow to every role each inherits. */
export function RoleGraph(props: { roles: RoleNode[] }) {
  const layers = layerRoles(props.roles);
  const widest = Math.max(1, ...layers.map((l) => l.length));
  const width = pad * 2 + widest * nodeWidth + (widest - 1) * gapX;
  const height = pad * 2 + layers.length * nodeHeight + Math.max(0, layers.length - 1) * gapY;
  const position = new Map<string, { x: number; y: number }>();
  layers.forEach((layer, row) => {
    const rowWidth = layer.length * nodeWidth + (layer.length - 1) * gapX;
    const left = (width - rowWidth) / 2;
    layer.forEach((r, i) => {
      position.set(r.name, {
        x: left + i * (nodeWidth + gapX),
        y: pad + row * (nodeHeight + gapY),
      });
    });
  });
  const edges = props.roles.flatMap((r) =>
    r.inherits.filter((p) => position.has(p)).map((p) => ({ from: r.name, to: p })),
  );
  const description = props.roles
    .map((r) => (r.inherits.length ? `${r.name} inherits ${r.inherits.join(', ')}` : `${r.name}`))
    .join('; ');
  return (
    <svg
      class="role-graph"
      role="img"
      aria-label={`Role inheritance: ${description}`}
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
    >
      <defs>
        <marker
          id="role-arrow"
          viewBox="0 0 10 10"
          refX="10"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto-start-reverse"
        >
          <path class="arrow" d="M 0 0 L 10 5 L 0 10 z" />
        </marker>
      </defs>
      {edges.map((e) => {
        const a = position.get(e.from);
        const b = position.get(e.to);
        if (!a || !b) return null;
        const x1 = a.x + nodeWidth / 2;
        const y1 = a.y + nodeHeight;
        const x2 = b.x + nodeWidth / 2;
        const y2 = b.y;
        const mid = (y1 + y2) / 2;
        return (
          <path
            key={`${e.from}->${e.to}`}
            class="edge"
            data-edge={`${e.from}->${e.to}`}
            d={`M ${x1} ${y1} C ${x1} ${mid}, ${x2} ${mid}, ${x2} ${y2}`}
            marker-end="url(#role-arrow)"
          />
        );
      })}
      {props.roles.map((r) => {
        const p = position.get(r.name);
        if (!p) return null;
        return (
          <g
            key={r.name}
            class={`node${r.builtIn ? ' builtin' : ''}`}
            data-role={r.name}
            transform={`translate(${p.x} ${p.y})`}
          >
            <rect width={nodeWidth} height={nodeHeight} rx="6" />
            <text x={nodeWidth / 2} y={nodeHeight / 2 + 4} text-anchor="middle">
              {r.name.length > 16 ? `${r.name.slice(0, 15)}…` : r.name}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
