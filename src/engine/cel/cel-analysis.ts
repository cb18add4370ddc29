import type { parse } from "@bufbuild/cel";

type Expr = NonNullable<ReturnType<typeof parse>["expr"]>;

/** Root identifiers an expression reads, minus comprehension variables. */
export function freeIdentifiers(expr: Expr | undefined): Set<string> {
  const found = new Set<string>();
  const visit = (node: Expr | undefined, scope: ReadonlySet<string>): void => {
    if (!node) return;
    const kind = node.exprKind;
    switch (kind.case) {
      case "identExpr":
        if (!scope.has(kind.value.name)) found.add(kind.value.name);
        return;
      case "comprehensionExpr": {
        const c = kind.value;
        visit(c.iterRange, scope);
        visit(c.accuInit, scope);
        const inner = new Set([...scope, c.iterVar, c.iterVar2, c.accuVar].filter(Boolean));
        for (const part of [c.loopCondition, c.loopStep, c.result]) visit(part, inner);
        return;
      }
      default:
        for (const child of children(node)) visit(child, scope);
    }
  };
  visit(expr, new Set());
  return found;
}

function children(node: Expr): Array<Expr | undefined> {
  const kind = node.exprKind;
  switch (kind.case) {
    case "selectExpr":
      return [kind.value.operand];
    case "callExpr":
      return [kind.value.target, ...kind.value.args];
    case "listExpr":
      return kind.value.elements;
    case "structExpr":
      return kind.value.entries.flatMap((e) => [
        e.keyKind.case === "mapKey" ? e.keyKind.value : undefined,
        e.value,
      ]);
    case "comprehensionExpr": {
      const c = kind.value;
      return [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result];
    }
    default:
      return [];
  }
}

const BOOL_FUNCTIONS = new Set([
  "_==_",
  "_!=_",
  "_<_",
  "_<=_",
  "_>_",
  "_>=_",
  "!_",
  "_&&_",
  "_||_",
  "@in",
  "matches",
  "contains",
  "startsWith",
  "endsWith",
  "bool",
]);
const ARITHMETIC = new Set(["_+_", "_-_", "_*_", "_/_", "_%_", "-_"]);
const CONVERSIONS: Record<string, string> = {
  int: "int",
  uint: "uint",
  double: "double",
  string: "string",
  size: "int",
};

/**
 * The CEL type an expression yields when its form tells (literals, arithmetic on
 * literals, comparisons, list and map construction, macros), else undefined: what
 * a variable or field holds is known only at run time.
 */
export function resultTypeOf(expr: Expr | undefined): string | undefined {
  if (!expr) return undefined;
  const kind = expr.exprKind;
  switch (kind.case) {
    case "constExpr":
      return constType(kind.value.constantKind.case);
    case "listExpr":
      return "list";
    case "structExpr":
      return kind.value.messageName === "" ? "map" : undefined;
    case "callExpr": {
      const name = kind.value.function;
      if (BOOL_FUNCTIONS.has(name)) return "bool";
      if (name in CONVERSIONS && !kind.value.target) return CONVERSIONS[name];
      if (name === "_?_:_") {
        const [, whenTrue, whenFalse] = kind.value.args.map(resultTypeOf);
        return whenTrue === whenFalse ? whenTrue : undefined;
      }
      if (ARITHMETIC.has(name)) {
        const types = new Set(kind.value.args.map(resultTypeOf));
        return types.size === 1 ? [...types][0] : undefined;
      }
      return undefined;
    }
    case "comprehensionExpr": {
      const c = kind.value;
      const result = c.result?.exprKind;
      if (result?.case === "identExpr" && result.value.name === c.accuVar) return resultTypeOf(c.accuInit);
      return resultTypeOf(c.result);
    }
    default:
      return undefined;
  }
}

function constType(kind: string | undefined): string | undefined {
  switch (kind) {
    case "boolValue":
      return "bool";
    case "int64Value":
      return "int";
    case "uint64Value":
      return "uint";
    case "doubleValue":
      return "double";
    case "stringValue":
      return "string";
    case "bytesValue":
      return "bytes";
    case "nullValue":
      return "null";
    default:
      return undefined;
  }
}

/**
 * Steps (see DEFAULT_CEL_MAX_STEPS) every evaluation of `expr` takes at least:
 * macros over literal lists and maps, multiplied by the iterations that surely
 * run. Ranges read from variables count 0 (they may be empty), and only the first
 * operand of `&&`, `||` and the cheaper branch of `?:` count (the rest may be
 * skipped), so the estimate never exceeds what a run spends.
 */
export function minimumSteps(expr: Expr | undefined): number {
  if (!expr) return 0;
  const kind = expr.exprKind;
  switch (kind.case) {
    case "callExpr": {
      const { function: name, args, target } = kind.value;
      if (name === "_&&_" || name === "_||_") return Math.min(...args.map(minimumSteps));
      if (name === "_?_:_") {
        const [condition, whenTrue, whenFalse] = args.map(minimumSteps);
        return (condition ?? 0) + Math.min(whenTrue ?? 0, whenFalse ?? 0);
      }
      return sum([target, ...args].map(minimumSteps));
    }
    case "comprehensionExpr": {
      const c = kind.value;
      const size = literalSize(c.iterRange);
      const loopsAll =
        c.loopCondition?.exprKind.case === "constExpr" &&
        c.loopCondition.exprKind.value.constantKind.case === "boolValue" &&
        c.loopCondition.exprKind.value.constantKind.value;
      // A macro stopping early (all, exists) still runs its first step.
      const iterations = loopsAll ? size : Math.min(size, 1);
      return (
        minimumSteps(c.iterRange) +
        minimumSteps(c.accuInit) +
        size +
        iterations * minimumSteps(c.loopStep) +
        minimumSteps(c.result)
      );
    }
    default:
      return sum(children(expr).map(minimumSteps));
  }
}

function literalSize(expr: Expr | undefined): number {
  const kind = expr?.exprKind;
  if (kind?.case === "listExpr") return kind.value.elements.length;
  if (kind?.case === "structExpr" && kind.value.messageName === "") return kind.value.entries.length;
  return 0;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
