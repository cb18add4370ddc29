/**
 * WorkStore.servingWorkers from the task lists of the live workers, one list per
 * worker: how many of them run each task.
 */
export function countServingWorkers(taskLists: Iterable<readonly string[]>): Map<string, number> {
  const serving = new Map<string, number>();
  for (const tasks of taskLists)
    for (const taskId of tasks) serving.set(taskId, (serving.get(taskId) ?? 0) + 1);
  return serving;
}
