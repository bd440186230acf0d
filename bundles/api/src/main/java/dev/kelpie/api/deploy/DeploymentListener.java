package dev.kelpie.api.deploy;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told about every deployment and undeployment the {@link ModuleDeployer} completed (whiteboard: register
 * one as an OSGi service, or add it to a plain-Java deployer). The cluster's module rollout is one.
 *
 * <p>The deployer calls its listeners on the deploying thread after the change took effect, outside its
 * locks, one after the other; a listener that throws is logged and the others are still called. A listener
 * may deploy or undeploy through the same deployer (it is told about that too), and should return quickly.
 * Failed deployments are not reported.
 */
@ConsumerType
public interface DeploymentListener {

    /**
     * A type was deployed (or hot-swapped).
     *
     * @param request what was asked for: its bytes when it came from bytes, else null (an installed module)
     * @param result what the deployment did: the type as deployed (resolved limits, host namespaces) and its
     *     module's descriptor with the SHA-256
     */
    void deployed(DeployRequest request, DeployResult result);

    /** A type was undeployed. */
    void undeployed(UndeployResult result);
}
