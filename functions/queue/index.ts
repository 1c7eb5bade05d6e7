/** Registers the queue triggers. */
import "./claw-commands";
