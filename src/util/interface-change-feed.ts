/** Tells when the kernel's interfaces may have changed. `watch` throws when it cannot; it returns stop. */
export interface InterfaceChangeFeed {
  watch(onChange: () => void): () => void;
}
