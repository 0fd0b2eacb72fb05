import { type LoadContext, unwrap } from "./_context.ts";
import type { SystemUsageConfig } from "./broker_config.ts";
import type { XmlElement } from "./xml_tree.ts";

/**
 * `<systemUsage><systemUsage sendFailIfNoSpace…><memoryUsage><memoryUsage limit|percentOfJvmHeap/>…`
 * The doubled elements of ActiveMQ's schema are optional here.
 */
export function readSystemUsage(el: XmlElement, ctx: LoadContext): SystemUsageConfig {
  const usage = unwrap(el, "systemUsage");
  ctx.warnUnknownAttributes(usage, new Set(["sendFailIfNoSpace", "sendFailIfNoSpaceAfterTimeout"]));
  ctx.checkSingletons(usage, ["memoryUsage", "storeUsage", "tempUsage"]);
  const config: SystemUsageConfig = {};
  const sendFailIfNoSpace = ctx.boolean(usage, "sendFailIfNoSpace");
  if (sendFailIfNoSpace !== undefined) config.sendFailIfNoSpace = sendFailIfNoSpace;
  const timeout = ctx.integer(usage, "sendFailIfNoSpaceAfterTimeout");
  if (timeout !== undefined) config.sendFailIfNoSpaceAfterTimeout = timeout;

  for (const child of usage.children) {
    switch (child.name) {
      case "memoryUsage": {
        const memory = readLimit(child, ctx, ["limit", "percentOfJvmHeap"]);
        const limit = ctx.size(memory, "limit");
        const percent = ctx.integer(memory, "percentOfJvmHeap", 1);
        if (percent !== undefined && percent > 100) {
          throw ctx.error(
            memory,
            `Invalid value for percentOfJvmHeap; accepted: 1 to 100`,
            ctx.attribute(memory, "percentOfJvmHeap"),
          );
        }
        if (limit !== undefined) config.memoryLimit = limit;
        if (percent !== undefined) config.memoryPercentOfJvmHeap = percent;
        break;
      }
      case "storeUsage": {
        const limit = ctx.size(readLimit(child, ctx, ["limit"]), "limit");
        if (limit !== undefined) config.storeLimit = limit;
        break;
      }
      case "tempUsage": {
        const limit = ctx.size(readLimit(child, ctx, ["limit"]), "limit");
        if (limit !== undefined) config.tempLimit = limit;
        break;
      }
      default:
        ctx.unsupported(child);
    }
  }
  return config;
}

function readLimit(el: XmlElement, ctx: LoadContext, attributes: string[]): XmlElement {
  const usage = unwrap(el, el.name);
  ctx.warnUnknownAttributes(usage, new Set(attributes));
  for (const child of usage.children) ctx.unsupported(child);
  return usage;
}
